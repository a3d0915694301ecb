"""A visitor's conversation: their words written into it on their behalf, and what of it
they are shown.

The relay writes as ``WRITER`` (its own change, not a token's), and each message in the
visitor's name as the mail import writes a customer's: ``from`` the visitor, no
``author``, an arrival in the activity signed by the sender it mirrors, so the relay's
admission checks it like any inbound message. The message's id is derived from the
conversation and the widget's own id for it, so a resend is the message already there.

A visitor is shown their own messages, the agents' chat replies and the relay's away
message (a system line), nothing else of the document: no notes, tags, activity,
assignee, nor any other channel's messages.

The away message is an auto-reply the relay writes (kind ``auto-reply``, the relay as its
author): it counts as no answer, holds no agent's reply, and is written once for each
stretch of closed hours a visitor writes in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from crdt.model import conversation as conv
from crdt.model.clock import parse_iso
from crdt.model.ids import derived_id
from crdt.model.items import handle
from crdt.model.vocab import AGENT
from crdt.model.ydoc import Doc
from crdt.workflow.hours import Hours

WRITER_AGENT = "chat-gateway@inbox.invalid"  # .invalid: an address no mail can reach
WRITER_ROLE = AGENT
SUBJECT = 60  # characters of the first message that make the conversation's subject
AWAY = "auto-reply"  # the kind of the away message
HANDED_OVER = "to be emailed: the visitor left before reading it"


class Visitor(NamedTuple):
    """Who writes, as far as they told: ids from their token, name and email from them."""

    visitor: str
    conversation: str
    name: str | None = None
    email: str | None = None

    @property
    def sender(self) -> str:
        """The ``from`` of their messages: the address they gave, else their visitor id."""
        return self.email or f"visitor:{self.visitor[:12]}"


def message_id(conversation: str, client_id: str) -> str:
    return derived_id("chat", conversation, client_id)


def say(
    doc: Doc, who: Visitor, client_id: str, body: str, at: str, known: set[str] | None = None
) -> None:
    """The visitor's message into their conversation, which their first one makes.

    ``known``: the ids of its messages as the caller holds them (the relay's plain values),
    so the document's messages are not read whole again to look for this one; a stale set
    costs nothing, as the relay's admission refuses a second message with an id."""
    with doc.transaction():
        if "id" not in doc.map("meta"):
            conv.create(
                doc,
                conversation_id=who.conversation,
                subject=body.splitlines()[0][:SUBJECT],
                channel="chat",
                mailbox=None,
                customer=who.email,
                customer_name=who.name,
                who=who.sender,
                at=at,
            )
        else:
            introduce(doc, who)
        message = {
            "id": message_id(who.conversation, client_id),
            "client_id": client_id,
            "direction": "in",
            "channel": "chat",
            "from": who.sender,
            "body": body,
            "created_at": at,
        }
        if who.name:
            message["from_name"] = who.name
        conv.add_message(doc, message, who.sender, at, known=known)


def introduce(doc: Doc, who: Visitor) -> None:
    """The name and email a visitor gave, into a conversation that has none yet: a
    conversation's customer is set once (the relay's admission keeps it so)."""
    meta = doc.map("meta")
    if "id" not in meta:
        return
    if who.email and meta.get("customer") is None:
        meta["customer"] = who.email
    if who.name and meta.get("customer_name") is None:
        meta["customer_name"] = who.name


def away(doc: Doc, conversation: str, body: str, at: str) -> None:
    """The away message, into the conversation, as the relay's own line."""
    message = {
        "id": derived_id("chataway", conversation, at),
        "direction": "out",
        "channel": "chat",
        "kind": AWAY,
        "from": WRITER_AGENT,
        "author": WRITER_AGENT,
        "body": body,
        "created_at": at,
    }
    conv.add_message(doc, message, WRITER_AGENT, at, reopen=False)


def away_due(plain: dict[str, Any], hours: Hours, now: datetime) -> bool:
    """Whether a visitor's message at ``now`` (outside the hours) is to be answered with
    the away message: not when one was written in this same stretch of closed hours
    (both would open at the same moment)."""
    opens = hours.next_open(now)
    for m in plain.get("messages", []):
        if isinstance(m, dict) and m.get("kind") == AWAY and m.get("author") == WRITER_AGENT:
            try:
                if hours.next_open(parse_iso(str(m.get("created_at")))) == opens:
                    return False
            except ValueError:
                continue
    return True


def handed_over(doc: Doc, message_ids: list[str], mailbox: str, at: str) -> None:
    """Replies the visitor left before reading, handed to the mail gateway: still queued,
    now to go by email from ``mailbox``; never marked sent by chat after this."""
    with doc.transaction():
        for ident in message_ids:
            conv.set_delivery(doc, ident, "queued", WRITER_AGENT, at, HANDED_OVER, via=mailbox)


def delivered(doc: Doc, message_ids: list[str], at: str) -> None:
    """Agents' replies that reached the visitor's widget."""
    with doc.transaction():
        for ident in message_ids:
            conv.set_delivery(doc, ident, "sent", WRITER_AGENT, at, "by chat")


def shown(plain: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """What the visitor sees of their conversation (its plain values as the relay holds
    them), oldest first, at most the newest ``limit``."""
    out = []
    for m in plain.get("messages", []):
        if not isinstance(m, dict) or m.get("channel") != "chat":
            continue
        if m.get("kind") == AWAY and m.get("author") == WRITER_AGENT:
            item = {"id": str(m.get("id")), "author": "system"}
        elif m.get("kind") is not None:
            continue
        elif m.get("direction") == "in" and not m.get("author"):
            item = {"id": str(m.get("client_id") or m.get("id")), "author": "visitor"}
        elif m.get("direction") == "out" and m.get("author"):
            name = m.get("from_name") or handle(str(m["author"]))
            item = {"id": str(m.get("id")), "author": "agent", "name": str(name)}
        else:
            continue
        item["body"] = str(m.get("body") or "")
        item["at"] = str(m.get("created_at") or "")
        out.append(item)
    out.sort(key=lambda i: i["at"])
    return out[-limit:]


def undelivered(plain: dict[str, Any]) -> list[str]:
    """Agents' chat replies still queued, and not handed to email: what reaching the
    widget marks sent."""
    return [ident for ident, _ in waiting(plain)]


def waiting(plain: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, written at) of each of those replies."""
    delivery = plain.get("delivery", {})
    out = []
    for m in plain.get("messages", []):
        if not (
            isinstance(m, dict)
            and m.get("direction") == "out"
            and m.get("author")
            and m.get("channel") == "chat"
            and m.get("kind") is None
        ):
            continue
        state = delivery.get(str(m.get("id"))) or {}
        if state.get("state") == "queued" and not state.get("via"):
            out.append((str(m["id"]), str(m.get("created_at") or "")))
    return out


def answering(plain: dict[str, Any]) -> str | None:
    """The display name of the agent who last answered, for the widget's header."""
    found = None
    for item in shown(plain, 10_000):
        if item["author"] == "agent" and "name" in item:
            found = item["name"]
    return found
