"""What a visitor's widget and the relay say to each other: small JSON text frames.

Visitor -> relay (everything in them is untrusted: bounded and typed here)::

    {"t": "hello", "token": str|null}                  first; null: a new visitor
    {"t": "say", "id": CID, "body": str}               a message (CID: the widget's own id)
    {"t": "typing", "on": bool}
    {"t": "profile", "name": str, "email": str}        both optional

Relay -> visitor::

    {"t": "welcome", "token", "messages": [MESSAGE...], "agent": NAME|null}
    {"t": "message", "message": MESSAGE}               a new one, or the echo of a "say"
    {"t": "typing", "on": bool, "agent": NAME|null}    an agent is typing

    MESSAGE = {"id", "author": "visitor"|"agent"|"system", "body", "at", "name"?}
    (system: the workspace's away message, shown as a line of its own)

A visitor's message keeps the id its widget gave it (CID), so a resend after a network
drop is known for the one already taken, never a second message. Pure: text in, values
out, ``WireError`` for anything else.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from relay.chat.limits import ChatLimits

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
KINDS = ("hello", "say", "typing", "profile")
MAX_EMAIL = 254
# what a message keeps of what a visitor typed: text, lines and tabs; no control characters
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\ufeff]")


class WireError(ValueError):
    """A frame that is not what a widget sends; the socket is closed with the reason."""


class Event(NamedTuple):
    kind: str
    token: str | None = None
    client_id: str = ""
    body: str = ""
    on: bool = False
    name: str | None = None
    email: str | None = None


def read(text: str | None, limits: ChatLimits) -> Event:
    if text is None:
        raise WireError("binary frame: the widget speaks JSON text")
    if len(text) > limits.chat_frame:
        raise WireError(f"frame over {limits.chat_frame} characters")
    try:
        frame = json.loads(text)
    except ValueError as exc:
        raise WireError("not JSON") from exc
    if not isinstance(frame, dict) or frame.get("t") not in KINDS:
        raise WireError("not a frame of the widget")
    kind = str(frame["t"])
    if kind == "hello":
        token = frame.get("token")
        return Event(kind, token=token if isinstance(token, str) and token else None)
    if kind == "typing":
        return Event(kind, on=frame.get("on") is True)
    if kind == "say":
        ident = frame.get("id")
        if not isinstance(ident, str) or not CLIENT_ID.fullmatch(ident):
            raise WireError("a message without a proper id")
        body = _text(frame.get("body"), limits.chat_message, "message")
        if not body:
            raise WireError("an empty message")
        return Event(kind, client_id=ident, body=body)
    name = _text(frame.get("name"), limits.chat_name, "name") or None
    email = _email(frame.get("email"))
    return Event(kind, name=name, email=email)


def _text(value: Any, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WireError(f"a {what} that is not text")
    if len(value) > limit:
        raise WireError(f"a {what} over {limit} characters")
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _email(value: Any) -> str | None:
    """An address a reply could reach, lower case, or None when none (or none that
    could be one) was given: a typo in a form is not a reason to close the chat."""
    text = _text(value, MAX_EMAIL, "email").lower()
    local, at, domain = text.partition("@")
    if not (local and at and "." in domain.strip(".")) or any(c.isspace() for c in text):
        return None
    if any(c in text for c in '<>,;:"()[]\\'):
        return None
    return text


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def welcome(token: str, messages: list[dict[str, Any]], agent: str | None) -> str:
    return encode({"t": "welcome", "token": token, "messages": messages, "agent": agent})


def message(item: dict[str, Any]) -> str:
    return encode({"t": "message", "message": item})


def typing(on: bool, agent: str | None) -> str:
    return encode({"t": "typing", "on": on, "agent": agent})
