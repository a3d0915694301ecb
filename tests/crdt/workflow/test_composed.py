"""A conversation an agent starts: its addresses and subject checked before anything is
written, and the view its first message and templates are made from."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.errors import UsageError
from crdt.workflow import composed, templates

SUPPORT = "support@acme.example.com"
MAILBOXES: dict[str, Any] = {SUPPORT: {"address": SUPPORT, "name": "Acme Support"}}


def plan(to: list[str], cc: list[str] | None = None, **kw: Any) -> composed.NewConversation:
    sender, subject = kw.get("sender", SUPPORT), kw.get("subject", "Your order")
    return composed.plan("c" * 32, sender, to, cc or [], subject, MAILBOXES)


def test_the_first_to_is_the_customer_and_names_are_kept() -> None:
    new = plan(["Maria Santos <Maria@Example.com>, li@example.org"], ["boss@example.net"])
    assert new.mailbox == SUPPORT
    assert [a.email for a in new.to] == ["maria@example.com", "li@example.org"]
    assert new.customer.name == "Maria Santos"
    assert [a.email for a in new.cc] == ["boss@example.net"]


def test_the_mailbox_must_be_the_workspaces_and_is_matched_in_any_case() -> None:
    assert plan(["a@example.com"], sender=" Support@ACME.example.com").mailbox == SUPPORT
    with pytest.raises(UsageError, match=r"no mailbox of this workspace.*support@"):
        plan(["a@example.com"], sender="sales@acme.example.com")


@pytest.mark.parametrize(
    ("to", "cc", "error"),
    [
        (["nobody"], [], "not an email address"),
        (["maria@localhost"], [], "no mail can be sent"),
        (["x@inbox.invalid"], [], "no mail can be sent"),
        ([SUPPORT], [], "a mailbox of this workspace"),
        (["a@example.com"], [SUPPORT], "a mailbox of this workspace"),
        (["a@example.com"], ["not an address"], "--cc"),
        ([], [], "at least one --to"),
    ],
)
def test_addresses_mail_cannot_reach_are_refused(to: list[str], cc: list[str], error: str) -> None:
    with pytest.raises(UsageError, match=error):
        plan(to, cc)


def test_an_address_given_twice_is_sent_to_once() -> None:
    new = plan(["a@example.com", "A@example.com"], ["a@example.com", "b@example.com"])
    assert [a.email for a in new.to] == ["a@example.com"]
    assert [a.email for a in new.cc] == ["b@example.com"]


def test_too_many_recipients_are_a_mailing_not_a_conversation() -> None:
    many = [f"p{n}@example.com" for n in range(composed.MAX_RECIPIENTS + 1)]
    with pytest.raises(UsageError, match="at most"):
        plan(many)


@pytest.mark.parametrize("subject", ["", "   ", "Hi\r\nBcc: evil@example.net", "x" * 501])
def test_a_subject_is_one_line_of_text(subject: str) -> None:
    with pytest.raises(UsageError, match="subject"):
        plan(["a@example.com"], subject=subject)


def test_the_view_renders_a_template_as_the_conversation_will() -> None:
    new = plan(["maria@example.com"])
    view = new.view("Maria Santos", "2026-12-06T09:00:00.000Z")
    values = templates.context(view, {"email": "dana@acme.example.com"}, MAILBOXES[SUPPORT])
    text = "Hi {{customer.first_name}}, {{mailbox.name}} here about {{conversation.subject}}"
    assert templates.render(text, values) == "Hi Maria, Acme Support here about Your order"
    named = plan(["Mia <maria@example.com>"]).view("Maria Santos", "2026-12-06T09:00:00.000Z")
    assert named["customer_name"] == "Mia"  # the name given wins over the one known
