"""One delivery: the body for the receiver, its signature, and the HTTP POST.

A webhook receives the event as JSON (the fields of `inbox watch --jsonl`,
docs/json.md) with these headers:

    X-Inbox-Event:      the event's kind (mention, sla.breached ...)
    X-Inbox-Event-Id:   its id: the same event told again carries the same id
    X-Inbox-Timestamp:  when this attempt was signed, in Unix seconds
    X-Inbox-Signature:  v1=<hex of HMAC-SHA256(secret, timestamp + "." + body)>

A receiver computes the HMAC over the timestamp header, a full stop and the raw body
with the secret of its file, compares it in constant time, refuses a timestamp more
than five minutes from its clock (a replayed request), and drops an event id it has
seen (delivery is at least once). Slack receives ``{"text": ...}``, its incoming
webhooks' format, with the event's id at the end of the text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request
from typing import Any, NamedTuple

from crdt.model.events import Event

TIMEOUT = 10.0  # seconds for one POST, connection included
ANSWER_LIMIT = 64 * 1024  # bytes of a receiver's answer read, at most
SHOWN = 200  # characters of an answer kept in the ledger


class Answer(NamedTuple):
    ok: bool
    temporary: bool  # a failure that may pass: try again later
    text: str  # the status and the answer's start, for people


def slack_text(e: Event) -> str:
    """One Slack message for an event: what, which conversation, the gist."""
    what = {
        "message.received": f"New message from {e.get('who')}",
        "reply.sent": f"{e.get('who')} replied",
        "assigned": f"Assigned to {e.get('agent')} by {e.get('who')}",
        "unassigned": f"Unassigned by {e.get('who')}",
        "mention": f"{e.get('who')} mentioned {e.get('agent')}",
        "status.changed": f"{e.get('who')} set it {e.get('status')}",
        "tag.added": f"{e.get('who')} tagged it {e.get('tag')}",
        "tag.removed": f"{e.get('who')} untagged {e.get('tag')}",
        "sla.warning": f"SLA {e.get('policy')}: {e.get('target')} due {e.get('due_at')}",
        "sla.breached": f"SLA {e.get('policy')} breached: {e.get('target')} "
        f"was due {e.get('due_at')}",
    }.get(str(e.get("event")), str(e.get("event")))
    body = f"\n> {e['body']}" if e.get("body") else ""
    return f"*{what}* - {e.get('subject')} ({str(e.get('conversation'))[:8]}){body}\n`{e['id']}`"


def body_of(kind: str, e: Event) -> bytes:
    if kind == "slack":
        return json.dumps({"text": slack_text(e)}, ensure_ascii=False).encode()
    return json.dumps(e, ensure_ascii=False, sort_keys=True).encode()


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def headers(e: Event, body: bytes, secret: bytes | None, timestamp: int) -> dict[str, str]:
    out = {
        "Content-Type": "application/json",
        "User-Agent": "inbox-notifier",
        "X-Inbox-Event": str(e["event"]),
        "X-Inbox-Event-Id": str(e["id"]),
        "X-Inbox-Timestamp": str(timestamp),
    }
    if secret is not None:
        out["X-Inbox-Signature"] = signature(secret, str(timestamp), body)
    return out


def post(url: str, body: bytes, head: dict[str, str], timeout: float = TIMEOUT) -> Answer:
    """POST ``body``; a 2xx is delivered, a 408, 429, 5xx or a network failure may pass,
    any other answer will not. TLS verified (the system's CAs, SSL_CERT_FILE honoured);
    redirects are not followed (a signed body goes where it was meant to)."""
    request = urllib.request.Request(url, data=body, headers=head, method="POST")
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirect
    )
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Answer(True, False, f"{answer.status} {_start(answer.read(ANSWER_LIMIT))}")
    except urllib.error.HTTPError as exc:
        text = f"{exc.code} {_start(exc.read(ANSWER_LIMIT))}"
        return Answer(False, exc.code in (408, 429) or exc.code >= 500, text)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(False, not isinstance(reason, ssl.SSLCertVerificationError), str(reason))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


def _start(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return "".join(c for c in text[:SHOWN] if c.isprintable())
