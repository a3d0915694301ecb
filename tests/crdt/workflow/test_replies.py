"""Replies as values: the outbound message, what holds a send, and who may send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crdt.errors import ConflictError, HeldError, UsageError
from crdt.mail.subjects import reply_subject
from crdt.model import clock
from crdt.model.claims import Ownership
from crdt.workflow import replies

DANA, BEN = "dana@acme.example.com", "ben@acme.example.com"
AGENT = {"email": DANA, "name": "Dana Whitfield"}
NOW = clock.parse_iso("2026-11-24T10:00:00Z")


def t(minute: int) -> str:
    return f"2026-11-24T09:{minute:02d}:00.000Z"


def conversation(**changes: Any) -> dict[str, Any]:
    conv: dict[str, Any] = {
        "id": "3f2a" + "0" * 28,
        "subject": "Double charge",
        "channel": "email",
        "mailbox": "support@acme.example.com",
        "customer": "maria@example.com",
        "messages": [
            {
                "id": "m1",
                "direction": "in",
                "from": "maria@example.com",
                "subject": "Double charge",
                "message_id": "first@mail.example",
                "body": "charged twice",
                "created_at": t(1),
            },
            {
                "id": "m2",
                "direction": "in",
                "from": "maria@example.com",
                "subject": "RE: Re: Double charge",
                "message_id": "second@mail.example",
                "body": "any news?",
                "created_at": t(5),
            },
            {
                "id": "m3",
                "direction": "in",
                "kind": "auto-reply",
                "from": "maria@example.com",
                "message_id": "ooo@mail.example",
                "body": "I am away",
                "created_at": t(6),
            },
        ],
        "notes": [],
    }
    conv.update(changes)
    return conv


def owned(owner: str | None, tentative: bool = False, since: str | None = t(8)) -> Ownership:
    return Ownership(owner, since if owner else None, owner, tentative, ())


# -- subjects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Double charge", "Re: Double charge"),
        ("Re: Double charge", "Re: Double charge"),
        ("RE: re: AW:  Double   charge", "Re: Double charge"),
        ("Re[2]: Invoice", "Re: Invoice"),
        ("Fwd: Invoice", "Re: Fwd: Invoice"),
        ("", "Re:"),
    ],
)
def test_reply_subject_has_one_re_prefix(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


# -- the outbound message ---------------------------------------------------------------------


def test_outbound_email_comes_from_the_mailbox_and_answers_the_latest_customer_mail() -> None:
    m = replies.outbound(conversation(), "Refunded.", AGENT, t(9), "r1")
    assert m == {
        "id": "r1",
        "direction": "out",
        "channel": "email",
        "from": "support@acme.example.com",
        "from_name": "Dana Whitfield",
        "author": DANA,
        "to": ["maria@example.com"],
        "subject": "Re: Double charge",
        "body": "Refunded.",
        "created_at": t(9),
        "in_reply_to": ["second@mail.example"],  # not the auto-reply that came after it
        "delivery": "queued",
    }


def test_outbound_chat_comes_from_the_agent_without_subject_or_threading() -> None:
    chat = conversation(
        channel="chat",
        mailbox=None,
        messages=[{"id": "c1", "direction": "in", "from": "maria@example.com", "body": "hi"}],
    )
    m = replies.outbound(chat, "Hello!", {"email": DANA}, t(9), "r1")
    assert m["from"] == DANA and m["author"] == DANA
    assert "subject" not in m and "in_reply_to" not in m and "from_name" not in m


def test_outbound_without_customer_messages_answers_the_conversation_subject() -> None:
    ours = {"id": "r0", "direction": "out", "from": "support@acme.example.com", "author": DANA}
    m = replies.outbound(
        conversation(messages=[{**ours, "created_at": t(1)}]), "Hi", AGENT, t(9), "r1"
    )
    assert m["subject"] == "Re: Double charge"
    assert "in_reply_to" not in m


def test_the_first_message_of_a_conversation_goes_under_its_subject_to_whom_it_is_given() -> None:
    """A composed conversation: nothing to answer, so no Re: and no threading."""
    first = conversation(messages=[], subject="Your order 1042")
    m = replies.outbound(
        first,
        "It shipped.",
        AGENT,
        t(9),
        "r1",
        ["maria@example.com", "li@example.com"],
        ["boss@example.com"],
    )
    assert m["subject"] == "Your order 1042"
    assert m["to"] == ["maria@example.com", "li@example.com"]
    assert m["cc"] == ["boss@example.com"]
    assert m["from"] == "support@acme.example.com" and m["delivery"] == "queued"
    assert "in_reply_to" not in m
    assert "cc" not in replies.outbound(first, "It shipped.", AGENT, t(9), "r1")


def test_outbound_needs_someone_to_answer() -> None:
    with pytest.raises(UsageError, match="no customer"):
        replies.outbound(conversation(customer=None), "Hello", AGENT, t(9), "r1")


# -- collisions -------------------------------------------------------------------------------


def with_arrivals() -> dict[str, Any]:
    conv = conversation()
    conv["notes"] = [
        {"id": "n1", "author": BEN, "body": "I called her\nshe is fine", "created_at": t(7)},
        {"id": "n2", "author": DANA, "body": "my own note", "created_at": t(8)},
    ]
    return conv


def test_new_items_are_others_words_not_seen_when_the_draft_began() -> None:
    found = replies.new_items(with_arrivals(), ["m1"], DANA)
    assert [(i["kind"], i["id"], i["author"]) for i in found] == [
        ("message", "m2", "maria@example.com"),
        ("note", "n1", BEN),
    ]
    assert found[1]["first_line"] == "I called her"


def test_nothing_is_new_when_everything_was_seen() -> None:
    conv = with_arrivals()
    assert replies.new_items(conv, replies.seen_ids(conv), DANA) == []


def test_held_error_lists_what_arrived_for_people_and_scripts() -> None:
    items = replies.new_items(with_arrivals(), ["m1"], DANA)
    error = replies.held("3f2a" + "0" * 28, items, {DANA, BEN}, NOW)
    assert isinstance(error, HeldError) and error.exit_code == 3
    assert error.message == "held: 2 new since your draft began"
    assert error.details()["new"] == items
    assert error.more()[0] == "  message from maria@example.com, 55m ago: any news?"
    assert error.more()[1] == "  note by ben, 53m ago: I called her"
    assert "--force" in error.more()[-1]


# -- who may send -----------------------------------------------------------------------------


def check(own: Ownership, confirmable: bool = False, force: bool = False) -> bool:
    return replies.must_claim(own, DANA, confirmable=confirmable, force=force, now=NOW)


def test_an_unowned_conversation_is_claimed_by_the_reply() -> None:
    assert check(owned(None)) is True
    assert check(owned(None), confirmable=True) is True


def test_someone_elses_conversation_needs_force() -> None:
    with pytest.raises(ConflictError, match="claimed by ben 52m ago"):
        check(owned(BEN))
    assert check(owned(BEN), force=True) is False


def test_a_tentative_own_claim_holds_only_where_a_relay_can_confirm_it() -> None:
    assert check(owned(DANA, tentative=True), confirmable=False) is False
    with pytest.raises(ConflictError, match="not confirmed yet"):
        check(owned(DANA, tentative=True), confirmable=True)
    assert check(owned(DANA, tentative=True), confirmable=True, force=True) is False
    assert check(owned(DANA, tentative=False), confirmable=True) is False


def test_ago_reads_like_the_tables() -> None:
    now = datetime.fromisoformat("2026-11-24T10:00:00+00:00")
    assert clock.ago("2026-11-24T09:58:00.000Z", now) == "2m ago"
    assert clock.ago("2026-11-24T13:00:00.000Z", now) == "in 3h"
    assert clock.ago("2026-09-01T10:00:00.000Z", now) == "2026-09-01"
    assert clock.ago("2026-11-24T09:59:59.000Z", now) == "now"
