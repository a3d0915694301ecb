"""Where events are told: a Slack incoming webhook or a signed webhook of the team's own.

A Slack webhook's URL is a secret (whoever holds it posts into the channel), so the
notifier keeps the file that holds it, not the URL, and reads it at each delivery; a
webhook's URL is kept and its signing secret read from its file the same way. Files
are read as the mail gateway reads a password file (its owner's alone, the first line:
``relay/gateway/secrets.py``). A URL is https, or plain http to this machine's loopback
only (a receiver beside the relay, the tests), checked when it is added and again at
each delivery; TLS is always verified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from crdt.model import events
from relay.client.address import is_loopback
from relay.gateway.errors import ConfigError
from relay.gateway.secrets import read_secret

KINDS = ("slack", "webhook")


class Notifier(NamedTuple):
    id: str
    kind: str  # slack | webhook
    url: str | None  # a webhook's; a Slack webhook's URL is in ``url_file``
    url_file: str | None
    secret_file: str | None
    events: tuple[str, ...]
    created_at: str

    @classmethod
    def of_row(cls, row: Any) -> Notifier:
        return cls(
            str(row[0]),
            str(row[1]),
            row[2],
            row[3],
            row[4],
            tuple(json.loads(row[5])),
            str(row[6]),
        )

    def wants(self, kind: str) -> bool:
        return kind in self.events

    def endpoint(self) -> str:
        """The URL to post to, read (Slack) and checked now."""
        url = self.url if self.kind == "webhook" else read_secret(file=self.url_file)
        return check_url(str(url), secret=self.kind == "slack")

    def secret(self) -> bytes | None:
        return read_secret(file=self.secret_file).encode() if self.secret_file else None

    def shown(self) -> dict[str, Any]:
        """What `notify list` shows: never a secret, only where it is kept."""
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "url_file": self.url_file,
            "secret_file": self.secret_file,
            "events": list(self.events),
            "created_at": self.created_at,
        }


def check_url(url: str, secret: bool = False) -> str:
    """``url`` when it may be posted to: https anywhere, http only to loopback.
    ``secret``: the URL is itself a secret (Slack's), so an error never repeats it."""
    parts = urlsplit(url.strip())
    shown = "the webhook URL in that file" if secret else url
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{shown} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http to {parts.hostname}: events would cross the network in "
            "clear text; use https (plain http is for a receiver on this machine's loopback)"
        )
    return url.strip()


def on(words: str) -> tuple[str, ...]:
    """The kinds of ``--on mention,assigned,sla-breached`` (or '*')."""
    try:
        kinds = events.kinds_of(words.split(","))
    except ValueError as exc:
        raise ConfigError(
            f"unknown event {exc.args[0]!r}: use '*' or some of {', '.join(events.KINDS)}"
        ) from None
    if not kinds:
        raise ConfigError("--on names no event: use '*' or some of " + ", ".join(events.KINDS))
    return kinds


def absolute(path: str) -> str:
    """A secret's file as the notifier will read it, wherever it runs from; read now, so
    a file that cannot serve is refused when it is added."""
    full = str(Path(path).expanduser().resolve())
    read_secret(file=full)
    return full
