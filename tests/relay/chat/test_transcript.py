"""What the relay writes in a visitor's name passes the relay's own admission, and what a
visitor is shown of their conversation is their chat and nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.errors import RefusedError
from crdt.model import admission
from crdt.model import conversation as conv
from crdt.model.ydoc import Doc, load
from relay.chat import transcript

IDENT = "c" * 32
NAME = f"c:{IDENT}"
MARIA = transcript.Visitor("v" * 32, IDENT, "<b>Maria</b>", None)


def plain(doc: Doc) -> dict[str, Any]:
    maps, arrays = admission.roots(NAME)
    return doc.to_py(maps, arrays)


def admitted(before: Doc, change: Any, by: str = transcript.WRITER_AGENT) -> Doc:
    after = load([before.get_update()])
    change(after)
    author = admission.Author(by, transcript.WRITER_ROLE)
    admission.check(NAME, plain(before), plain(after), [], author, lambda _: {})
    return after


def test_a_visitors_words_are_admitted_and_make_their_conversation() -> None:
    doc = admitted(
        Doc(), lambda d: transcript.say(d, MARIA, "client-1", "my card?", "2026-12-06T10:00:00Z")
    )
    assert plain(doc)["meta"]["channel"] == "chat"
    assert plain(doc)["meta"]["customer_name"] == "<b>Maria</b>"
    with_email = MARIA._replace(email="maria@example.com")
    doc = admitted(
        doc,
        lambda d: transcript.say(d, with_email, "client-2", "still there?", "2026-12-06T10:01:00Z"),
    )
    assert plain(doc)["meta"]["customer"] == "maria@example.com"  # given later, set once
    again = load([doc.get_update()])
    transcript.say(again, with_email, "client-2", "still there?", "2026-12-06T10:02:00Z")
    assert len(plain(again)["messages"]) == 2  # a resend is the message already there


def test_the_relay_cannot_sign_for_an_agent() -> None:
    doc = admitted(
        Doc(), lambda d: transcript.say(d, MARIA, "client-1", "hi", "2026-12-06T10:00:00Z")
    )
    with pytest.raises(RefusedError):
        admitted(
            doc,
            lambda d: conv.add_note(d, body="x", mentions=[], who="dana@acme.example.com", at="t"),
        )


def test_a_visitor_is_shown_their_chat_and_no_more() -> None:
    doc = Doc()
    transcript.say(doc, MARIA, "client-1", "hi", "2026-12-06T10:00:00Z")
    conv.add_note(
        doc,
        body="internal: refund?",
        mentions=[],
        who="dana@acme.example.com",
        at="2026-12-06T10:00:30Z",
    )
    conv.add_tag(doc, "vip", "dana@acme.example.com", "2026-12-06T10:00:31Z")
    reply = {
        "id": "r" * 32,
        "direction": "out",
        "channel": "chat",
        "author": "dana@acme.example.com",
        "from_name": "Dana",
        "body": "hello <i>you</i>",
        "created_at": "2026-12-06T10:01:00Z",
        "delivery": "queued",
    }
    conv.add_message(doc, reply, "dana@acme.example.com", "2026-12-06T10:01:00Z")
    email = {
        "id": "e" * 32,
        "direction": "out",
        "channel": "email",
        "author": "dana@acme.example.com",
        "body": "an email",
        "created_at": "2026-12-06T10:02:00Z",
    }
    conv.add_message(doc, email, "dana@acme.example.com", "2026-12-06T10:02:00Z")
    shown = transcript.shown(plain(doc), 200)
    assert shown == [
        {"id": "client-1", "author": "visitor", "body": "hi", "at": "2026-12-06T10:00:00Z"},
        {
            "id": "r" * 32,
            "author": "agent",
            "name": "Dana",
            "body": "hello <i>you</i>",
            "at": "2026-12-06T10:01:00Z",
        },
    ]
    assert transcript.undelivered(plain(doc)) == ["r" * 32]
    assert transcript.shown(plain(doc), 1) == shown[-1:]
    assert transcript.answering(plain(doc)) == "Dana"
