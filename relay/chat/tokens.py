"""A website visitor's session token: which conversation a browser may reach, signed by
the relay.

The widget keeps it in the browser's localStorage and shows it on every connect; the
relay keeps nothing per visitor but the conversation itself, so a token is all a
visitor has and all it needs (a reload, another tab, a relay restart). It says::

    v1.<payload>.<signature>      payload = base64url(JSON {"w", "v", "c", "o", "e"})
    w  the workspace's id          v  the visitor's id (random)
    c  the conversation's id       o  the Origin it was issued to
    e  when it expires (Unix seconds)

signed with HMAC-SHA256 under the store's chat key. A token of another workspace, another
site, a changed byte or a passed expiry is no token; there is nothing else a visitor can
name (no conversation id, no visitor id is ever taken from the visitor). Pure: bytes
and values in, values out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import NamedTuple

VERSION = "v1"
MAX_TOKEN = 1024  # characters: a real one is ~250


class Pass(NamedTuple):
    """What a valid token lets its holder reach."""

    visitor: str
    conversation: str
    origin: str
    expires: int


def issue(key: bytes, workspace_id: str, granted: Pass) -> str:
    payload = {
        "w": workspace_id,
        "v": granted.visitor,
        "c": granted.conversation,
        "o": granted.origin,
        "e": granted.expires,
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{VERSION}.{body}.{_b64(_sign(key, body))}"


def fresh(origin: str, now: float, days: float) -> Pass:
    """A new visitor with a new conversation (made when they first write)."""
    return Pass(os.urandom(16).hex(), os.urandom(16).hex(), origin, _expiry(now, days))


def renewed(granted: Pass, now: float, days: float) -> Pass:
    """The same visitor and conversation, for another ``days`` from ``now``."""
    return granted._replace(expires=_expiry(now, days))


def check(key: bytes, workspace_id: str, token: str, origin: str, now: float) -> Pass | None:
    """What ``token`` grants at ``origin`` now, or None: forged, altered, of another
    workspace or site, expired, or not a token at all."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return None
    version, _, rest = token.partition(".")
    body, _, signature = rest.partition(".")
    if version != VERSION or not body or not signature:
        return None
    try:
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(given, _sign(key, body)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        granted = Pass(str(payload["v"]), str(payload["c"]), str(payload["o"]), int(payload["e"]))
        workspace = str(payload["w"])
    except (ValueError, KeyError, TypeError):
        return None
    if workspace != workspace_id or granted.origin != origin or granted.expires <= now:
        return None
    return granted


def _sign(key: bytes, body: str) -> bytes:
    return hmac.new(key, f"{VERSION}.{body}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _expiry(now: float, days: float) -> int:
    return int(now + days * 86400)
