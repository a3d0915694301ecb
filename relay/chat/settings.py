"""The workspace's chat settings (``inbox chat settings``): the away message and the
business hours it is shown outside of, and when and from where an answer the visitor
did not see is emailed to them.

Kept in the relay's store (``RelayStore.chat_settings``), beside the origins, because
the relay is what acts on them: it writes the away message into the conversation and
hands a waiting reply to the mail gateway. Pure: values in, values out.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from crdt.errors import UsageError
from crdt.workflow import hours

MAX_AWAY = 2000  # characters of an away message: a chat line, not a letter
_SPAN = re.compile(r"(\d+)\s*(s|m|h|d)")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DELAY = 30 * 86400  # a visitor's token lives 30 days: an answer later than that is mail


class ChatSettings(NamedTuple):
    """``email_after``: seconds after an agent's reply that the visitor has not seen it
    is emailed to them (None: never); ``email_from``: the mailbox it goes from (None:
    the mailbox added first)."""

    away_message: str | None = None
    hours: str | None = None
    email_after: int | None = None
    email_from: str | None = None

    @classmethod
    def of(cls, stored: dict[str, Any]) -> ChatSettings:
        def text(key: str) -> str | None:
            value = stored.get(key)
            return value if isinstance(value, str) and value else None

        delay = stored.get("email_after")
        return cls(
            text("away_message"),
            text("hours"),
            delay if isinstance(delay, int) and not isinstance(delay, bool) else None,
            text("email_from"),
        )

    def stored(self) -> dict[str, Any]:
        return {k: v for k, v in self._asdict().items() if v is not None}

    def away_now(self, at: datetime) -> str | None:
        """The away message to show at ``at``: outside the hours, when there is one."""
        if not self.away_message or not self.hours:
            return None
        return None if business_hours(self.hours).is_open(at) else self.away_message


def sender(settings: ChatSettings, mailboxes: list[dict[str, Any]]) -> str | None:
    """The mailbox an emailed answer goes from: the one set, else the one added first
    (a workspace with one mailbox needs no setting); None while the store has none."""
    known = {str(m["address"]): m for m in mailboxes}
    if settings.email_from:
        return settings.email_from if settings.email_from in known else None
    first = sorted(known.values(), key=lambda m: (str(m.get("created_at")), str(m["address"])))
    return str(first[0]["address"]) if first else None


@cache
def business_hours(spec: str) -> hours.Hours:
    """The hours of a stored SPEC, parsed once per process."""
    return hours.parse(spec)


def away_message(text: str) -> str:
    """An away message as a file gave it: its text, trimmed, not empty, not too long."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise UsageError("the away message is empty")
    if len(body) > MAX_AWAY:
        raise UsageError(f"the away message is over {MAX_AWAY} characters")
    return body


def delay(text: str) -> int | None:
    """Seconds from "10m", "2h", "1d", "90s", "1h30m"; None from "off" or "never"."""
    raw = text.strip().lower()
    if raw in ("off", "never"):
        return None
    parts = _SPAN.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
        raise UsageError(f"{text!r} is not a delay: give e.g. 10m, 2h, 1d, or off")
    seconds = sum(int(n) * _SECONDS[u] for n, u in parts)
    if not 0 < seconds <= MAX_DELAY:
        raise UsageError(f"{text!r}: a delay from 1s to 30d, or off")
    return seconds


def spoken(seconds: int) -> str:
    """A delay as people write it: 600 -> "10m", 5400 -> "1h30m"."""
    out = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _SECONDS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"
