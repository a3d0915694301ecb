"""The widget's frames as the relay reads them: bounded, typed, cleaned."""

from __future__ import annotations

import json

import pytest

from relay.chat import wire
from relay.server.limits import DEFAULTS


def read(frame: object) -> wire.Event:
    return wire.read(json.dumps(frame), DEFAULTS)


def test_frames_are_read_into_events() -> None:
    assert read({"t": "hello", "token": "v1.a.b"}).token == "v1.a.b"
    assert read({"t": "hello", "token": 5}).token is None
    said = read({"t": "say", "id": "abcdefgh", "body": " line one\r\nline two\x00\x1b[31m "})
    assert (said.client_id, said.body) == ("abcdefgh", "line one\nline two[31m")
    assert read({"t": "typing", "on": True}).on is True
    assert read({"t": "typing", "on": "yes"}).on is False
    who = read({"t": "profile", "name": " <b>Maria</b> ", "email": "Maria@Example.COM"})
    assert (who.name, who.email) == ("<b>Maria</b>", "maria@example.com")


@pytest.mark.parametrize(
    "email", ["", "maria", "maria@localhost", "a b@example.com", '"x"@example.com', "x@y.com>"]
)
def test_an_email_that_could_reach_no_one_is_no_email(email: str) -> None:
    assert read({"t": "profile", "email": email}).email is None


@pytest.mark.parametrize(
    "text",
    [
        None,
        "x" * (DEFAULTS.chat_frame + 1),
        "[1]",
        '{"t": "merge"}',
        '{"t": "say", "id": "short", "body": "hi"}',
        '{"t": "say", "id": "abcdefgh"}',
        '{"t": "say", "id": "abcdefgh", "body": 5}',
        '{"t": "profile", "name": {"a": 1}}',
    ],
)
def test_anything_else_is_refused(text: str | None) -> None:
    with pytest.raises(wire.WireError):
        wire.read(text, DEFAULTS)
