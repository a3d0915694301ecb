"""A bounce marks the reply it returns failed, in the view: whichever came first, and
whatever the gateway writes of the reply after."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.mail.compose import message_id_for
from crdt.model import conversation, view
from tests.crdt.model.test_conversation import ANA, GATEWAY, inbound, new_conversation, outbound, t

REPLY = "5575aa00bb11cc22dd33ee44ff556677"
REPLY_MAIL = message_id_for(REPLY, "support@example.com")  # the Message-ID its mail has


def bounce(minute: int, returns: str = REPLY_MAIL, status: str = "5.1.1") -> dict[str, Any]:
    notice = inbound(f"bounce-{minute}", minute, kind="bounce")
    notice["bounce"] = {
        "message_id": returns,
        "status": status,
        "reason": f"550 {status} <maria@example.org>: mailbox unavailable",
    }
    return notice


def delivery_of(doc: Any, ident: str = REPLY) -> tuple[str | None, str | None, str | None]:
    (m,) = [m for m in view.build(doc)["messages"] if m["id"] == ident]
    return m["delivery"], m.get("delivery_detail"), m.get("delivery_at")


def test_a_bounce_marks_the_reply_it_returns_failed_with_the_servers_words() -> None:
    doc = new_conversation()
    conversation.add_message(doc, inbound("m1"), "maria@example.org", t(1))
    conversation.add_message(doc, outbound(REPLY, 2), ANA, t(2))
    conversation.set_delivery(doc, REPLY, "sent", GATEWAY, t(3), "via support@example.com")
    conversation.add_message(doc, bounce(5), "mailer-daemon@example.net", t(5))
    assert delivery_of(doc) == (
        "failed",
        "bounced: 550 5.1.1 <maria@example.org>: mailbox unavailable",
        t(5),
    )


def test_a_sent_written_after_the_bounce_does_not_undo_it() -> None:
    """A gateway stopped between the server's yes and its record writes "sent" later."""
    doc = new_conversation()
    conversation.add_message(doc, outbound(REPLY, 2), ANA, t(2))
    conversation.add_message(doc, bounce(5), "mailer-daemon@example.net", t(5))
    conversation.set_delivery(doc, REPLY, "sent", GATEWAY, t(9), "via support@example.com")
    assert delivery_of(doc)[0] == "failed"


def test_a_bounce_that_came_before_its_reply_marks_it_once_both_are_there() -> None:
    early, late = new_conversation(), new_conversation()
    conversation.add_message(early, bounce(5), "mailer-daemon@example.net", t(5))
    assert all(m["delivery"] is None for m in view.build(early)["messages"])
    conversation.add_message(early, outbound(REPLY, 2), ANA, t(6))
    conversation.add_message(late, outbound(REPLY, 2), ANA, t(2))
    conversation.add_message(late, bounce(5), "mailer-daemon@example.net", t(5))
    assert delivery_of(early) == delivery_of(late)
    assert delivery_of(early)[0] == "failed"


def test_imported_mail_is_matched_by_its_own_message_id() -> None:
    doc = new_conversation()
    sent = {**outbound("m7", 2), "message_id": "CAB12@mail.example.com", "delivery": "sent"}
    conversation.add_message(doc, sent, "support@example.com", t(2))
    conversation.add_message(doc, bounce(5, returns="CAB12@mail.example.com"), "md", t(5))
    assert delivery_of(doc, "m7")[0] == "failed"


@pytest.mark.parametrize("status", ["4.4.7", "2.0.0"])
def test_a_delay_or_success_notice_marks_nothing(status: str) -> None:
    doc = new_conversation()
    conversation.add_message(doc, outbound(REPLY, 2), ANA, t(2))
    conversation.set_delivery(doc, REPLY, "sent", GATEWAY, t(3), "via support@example.com")
    conversation.add_message(doc, bounce(5, status=status), "mailer-daemon@example.net", t(5))
    assert delivery_of(doc)[0] == "sent"


def test_a_bounce_of_other_mail_marks_nothing() -> None:
    doc = new_conversation()
    conversation.add_message(doc, outbound(REPLY, 2), ANA, t(2))
    conversation.add_message(doc, bounce(5, returns="other@example.com"), "md", t(5))
    assert delivery_of(doc)[0] == "queued"
