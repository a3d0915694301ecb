"""Mail out: the replies agents queued, sent once each from their conversation's mailbox,
and what became of them written back into the conversation for every replica to see.

The ledger (``sent`` in the relay's store) makes it once: "sending" is committed before
the SMTP transaction begins and "sent" as soon as the server said yes. A reply found
"sending" was interrupted somewhere in between: it is looked for in the mailbox's Sent
folder by its Message-ID (derived from the reply's id, so it is known in advance) and
sent again only when it is not there. A temporary refusal (4xx, a lost connection) is
tried again later, up to ``ATTEMPTS`` times; a permanent one (5xx) fails at once, with
the server's words in the conversation. A reply whose attached files have not reached
the relay's blobs yet waits (``WAITING``), using no attempt.

A copy of each reply goes into the mailbox's Sent folder, as a mail client files what it
sends, unless the mailbox's server files it itself (settings ``sent_copy``). The bytes
sent are kept in the ledger from "sending" until they are filed, so a gateway killed
between the server's yes and the APPEND files them when it starts again; the filing
looks for the Message-ID in Sent first, so one killed after the APPEND files nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import EllipsisType
from typing import Any

from crdt.mail import compose
from crdt.model import clock, conversation
from crdt.replica import Replica
from crdt.store.blobs import is_name
from relay.gateway import smtp
from relay.gateway.errors import GatewayError, MailServerError
from relay.gateway.settings import Settings
from relay.store import RelayStore

ATTEMPTS = 5
WAITING = "waiting for its attachments to reach the relay"
RETRY_AFTER = (60, 300, 900, 3600)  # seconds before attempt 2, 3, 4, 5
Secret = Callable[[Settings], tuple[str | None, str | None]]  # (password, oauth token)
Find = Callable[[Settings, str], bool]  # is this Message-ID in the mailbox's Sent folder?
File = Callable[[Settings, str, bytes], bool]  # file these bytes in Sent unless it is there
Say = Callable[[str], None]


def send_due(
    peer: Replica,
    store: RelayStore,
    mailboxes: dict[str, Settings],
    secret: Secret,
    in_sent: Find,
    file: File,
    say: Say,
) -> int:
    """Send every queued reply, and every one whose retry is due, then file the copies
    still to be filed in Sent; returns how many went."""
    sent = 0
    for due in peer.deliveries("queued", "retrying"):
        view = peer.conversation(due["conversation"])
        found = next((m for m in view["messages"] if m.get("id") == due["message"]), None)
        reply = dict(compose.as_emailed(found, view)) if found is not None else None
        if reply is None or compose.why_not_emailed(view, reply):
            continue  # a chat reply, or one no mailbox of this workspace sends
        settings = mailboxes.get(str(reply["from"]).lower())
        if settings is None or settings.smtp is None:
            continue  # a mailbox this gateway does not send for
        sent += _one(peer, store, settings, view, reply, secret, in_sent, say)
    file_copies(store, mailboxes, file, say)
    return sent


def file_copies(store: RelayStore, mailboxes: dict[str, Settings], file: File, say: Say) -> int:
    """File in Sent the copy of each reply sent and not filed yet (a gateway stopped
    before it could, or a Sent folder that could not be reached); returns how many.
    One that fails waits for the next round."""
    filed = 0
    for entry in store.unfiled():
        settings = mailboxes.get(str(entry["address"]))
        if settings is None:
            continue  # a mailbox this gateway no longer serves
        if settings.sent_copy != "append":
            store.ledger_filed(str(entry["reply"]), "server")  # changed since: not ours
            continue
        try:
            put = file(settings, str(entry["message_id"]), bytes(entry["copy"]))
        except GatewayError as exc:
            say(f"{settings.address}: the copy of {entry['reply'][:8]} in Sent: {exc.message}")
            continue
        store.ledger_filed(str(entry["reply"]), clock.now_iso())
        filed += put
    return filed


def _one(
    peer: Replica,
    store: RelayStore,
    settings: Settings,
    view: dict[str, Any],
    reply: dict[str, Any],
    secret: Secret,
    in_sent: Find,
    say: Say,
) -> int:
    entry = store.ledger(str(reply["id"]))
    now = clock.now()
    if entry and entry["state"] == "retrying" and (entry["next_at"] or "") > clock.to_iso(now):
        return 0
    message_id = compose.message_id_for(str(reply["id"]), settings.address)
    if entry and entry["state"] in ("sent", "failed"):  # decided; the conversation missed it
        _delivered(peer, view["id"], reply, entry["state"], entry["answer"])
        return 0
    if entry and entry["state"] == "sending" and in_sent(settings, message_id):
        _record(store, reply, view, settings, message_id, "sent", entry["attempts"], None, "")
        store.ledger_filed(str(reply["id"]), clock.now_iso())  # the copy is what was found
        _delivered(peer, view["id"], reply, "sent", f"found in Sent, via {settings.address}")
        return 1
    server = settings.smtp
    if server is None:
        return 0
    files = attached(store, reply)
    if files is None:  # its files are on their way from the agent's replica: no attempt used
        if reply.get("delivery_detail") != WAITING:
            _delivered(peer, view["id"], reply, "queued", WAITING)
        return 0
    attempts = int(entry["attempts"]) + 1 if entry else 1
    mailbox = {"address": settings.address, **peer.items("mailboxes").get(settings.address, {})}
    own = set(peer.items("mailboxes"))
    message = compose.outgoing(reply, view, mailbox, now, own=own, attachments=files)
    raw = smtp.flatten(message)
    password, token = secret(settings)  # a failing command: nothing begun, tried again later
    copy = raw if settings.sent_copy == "append" else None
    _record(store, reply, view, settings, message_id, "sending", attempts, None, None, copy)

    def accepted(answer: str) -> None:
        _record(store, reply, view, settings, message_id, "sent", attempts, None, answer)

    try:
        smtp.send(server, settings.user, message, accepted, password, token, settings.ca_file, raw)
    except MailServerError as exc:
        _refused(peer, store, settings, view, reply, message_id, attempts, exc, now, say)
        return 0
    _delivered(peer, view["id"], reply, "sent", f"via {settings.address}")
    say(f"sent {view['id'][:8]} from {settings.address}")
    return 1


def attached(store: RelayStore, reply: dict[str, Any]) -> list[compose.AttachedFile] | None:
    """The files a reply carries, from the relay's blobs; None while one has not arrived."""
    files = []
    for entry in reply.get("attachments") or []:
        sha256 = str(entry.get("sha256") or "")
        if not is_name(sha256) or store.blob_size(sha256) is None:
            return None
        with store.open_blob(sha256) as blob:
            data = blob.read()
        name = str(entry.get("filename") or "attachment")
        ctype = str(entry.get("content_type") or "application/octet-stream")
        files.append(compose.AttachedFile(name, ctype, data))
    return files


def _refused(
    peer: Replica,
    store: RelayStore,
    settings: Settings,
    view: dict[str, Any],
    reply: dict[str, Any],
    message_id: str,
    attempts: int,
    exc: MailServerError,
    now: datetime,
    say: Say,
) -> None:
    if exc.temporary and attempts < ATTEMPTS:
        at = now + timedelta(seconds=RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1])
        again = clock.to_iso(at)
        _record(store, reply, view, settings, message_id, "retrying", attempts, again, exc.message)
        when = at.astimezone(UTC).strftime("%H:%M")
        detail = f"{exc.message} - retry {attempts + 1}/{ATTEMPTS} at {when} UTC"
        _delivered(peer, view["id"], reply, "retrying", detail)
    else:
        _record(
            store, reply, view, settings, message_id, "failed", attempts, None, exc.message, None
        )
        _delivered(peer, view["id"], reply, "failed", exc.message)
    say(f"{view['id'][:8]} from {settings.address}: {exc.message}")


def _record(
    store: RelayStore,
    reply: dict[str, Any],
    view: dict[str, Any],
    settings: Settings,
    message_id: str,
    state: str,
    attempts: int,
    next_at: str | None,
    answer: str | None,
    copy: bytes | EllipsisType | None = ...,
) -> None:
    """``copy``: the bytes to file in Sent (None: none); left out, they stay as they are."""
    entry: dict[str, Any] = {
        "reply": str(reply["id"]),
        "address": settings.address,
        "conversation": str(view["id"]),
        "message_id": message_id,
        "state": state,
        "attempts": attempts,
        "next_at": next_at,
        "answer": answer,
        "at": clock.now_iso(),
    }
    if copy is not ...:
        entry["copy"] = copy
    store.ledger_put(entry)


def _delivered(
    peer: Replica, ident: str, reply: dict[str, Any], state: str, detail: str | None
) -> None:
    """The reply's delivery state, in its conversation (every replica sees it)."""
    at, who = clock.now_iso(), peer.agent

    def change(doc: Any) -> None:
        conversation.set_delivery(doc, str(reply["id"]), state, who, at, detail)

    peer.edit(ident, change)
