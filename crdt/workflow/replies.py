"""A reply: the outbound message an agent sends, and the checks made before it goes.

Pure functions over a conversation view (view.py) and its ownership (claims.py), so
the rules are tested without a replica. ``actions.reply`` applies them inside the one
transaction that records the message, so nothing can slip in between check and write.

The rules, in the order they are checked (``force`` skips the first two):

1. Ownership. Someone else owns it: held ("claimed by ben 2m ago"). Nobody owns it:
   the reply claims it first. This agent owns it by a claim no relay has ordered yet:
   held, because a relay may still give it to an earlier claim, unless the replica has
   never been connected to a relay, where there is nothing to confirm against.
2. Collision. A message or note by someone else that was not there when the draft
   began: held, with what arrived listed, so nobody answers what a colleague answered.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from crdt.errors import ConflictError, HeldError, UsageError
from crdt.mail.subjects import reply_subject
from crdt.model.claims import Ownership
from crdt.model.clock import ago
from crdt.model.items import handle
from crdt.model.vocab import NOTICES

FORCE_HINT = "--force to send anyway"


def latest_inbound(messages: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The customer message a reply answers: the newest one that is not an auto-reply or
    bounce (a view's messages are in time order)."""
    found = None
    for m in messages:
        if m.get("direction") == "in" and m.get("kind") not in NOTICES:
            found = m
    return found


def outbound(
    conversation: Mapping[str, Any],
    body: str,
    agent: Mapping[str, Any],
    at: str,
    message_id: str,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
) -> dict[str, Any]:
    """The immutable message entry of a reply, shaped as an imported one (importer.py).

    It is sent from the conversation's shared mailbox when it has one (the customer
    wrote to support@, so the answer comes from support@), under the agent's name; the
    agent is recorded apart as ``author``. ``message_id`` is made on the agent's machine:
    the gateways key on it, so a message is sent once however often it syncs.

    The first message of a conversation (one an agent composed) goes under its subject
    as it stands, to ``to`` (default: the customer) and ``cc``.
    """
    customer = conversation.get("customer")
    channel = str(conversation.get("channel") or "email")
    if not customer and channel != "chat":  # a chat's visitor may give no address
        raise UsageError(f"conversation {conversation.get('id')} has no customer to reply to")
    email = str(agent.get("email", ""))
    out: dict[str, Any] = {
        "id": message_id,
        "direction": "out",
        "channel": channel,
        "from": conversation.get("mailbox") or email,
        "from_name": agent.get("name") or None,
        "author": email,
        "to": list(to) or ([customer] if customer else []),
        "cc": list(cc) or None,
        "body": body,
        "created_at": at,
        "delivery": "queued",
    }
    messages = conversation.get("messages", [])
    parent = latest_inbound(messages)
    if channel == "email":
        base = (parent or {}).get("subject") or conversation.get("subject") or ""
        out["subject"] = reply_subject(str(base)) if messages else str(base)
    if parent and parent.get("message_id"):
        out["in_reply_to"] = [parent["message_id"]]
    return {k: v for k, v in out.items() if v is not None}


def seen_ids(conversation: Mapping[str, Any]) -> list[str]:
    """Every message and note id of a conversation: what a draft begun now has seen."""
    items = [*conversation.get("messages", []), *conversation.get("notes", [])]
    return sorted({str(i.get("id")) for i in items})


def author_of(item: Mapping[str, Any]) -> str:
    """Who wrote a message or note: the agent for notes and replies, else the sender."""
    return str(item.get("author") or item.get("from") or "")


def new_items(
    conversation: Mapping[str, Any], seen: Iterable[str], agent: str
) -> list[dict[str, Any]]:
    """Messages and notes by someone other than ``agent`` that are not in ``seen``, oldest
    first. Auto-replies and bounces are events, not words to answer, so they never hold."""
    known = set(seen)
    found: list[dict[str, Any]] = []
    for kind, items in (("message", conversation["messages"]), ("note", conversation["notes"])):
        for item in items:
            who = author_of(item)
            if str(item.get("id")) in known or who == agent or item.get("kind") in NOTICES:
                continue
            lines = str(item.get("body") or "").strip().splitlines()
            found.append(
                {
                    "kind": kind,
                    "id": item.get("id"),
                    "author": who,
                    "created_at": item.get("created_at"),
                    "first_line": lines[0] if lines else "",
                }
            )
    return sorted(found, key=lambda i: (str(i["created_at"]), str(i["id"])))


def held(
    conversation: str, items: list[dict[str, Any]], agents: Collection[str], now: datetime
) -> HeldError:
    """The error that holds a send, listing what arrived for people and for scripts;
    agents are named by handle (``ben``), customers by address."""
    lines = [
        f"  {'note by' if i['kind'] == 'note' else 'message from'} "
        f"{handle(i['author']) if i['author'] in agents else i['author']}, "
        f"{_when(str(i['created_at']), now)}: {i['first_line'][:72]}"
        for i in items
    ]
    lines.append(f"  read them with `inbox show {conversation[:8]}`; {FORCE_HINT}")
    return HeldError(f"held: {len(items)} new since your draft began", items, lines)


def drafting(conversation: str, others: list[dict[str, Any]], now: datetime) -> HeldError:
    """The error that holds a send while a teammate has a reply of their own begun: the
    seed's "a reply is already in progress"."""
    lines = [
        f"  {handle(d['agent'])} has a draft reply (started {_when(d['started_at'], now)})"
        for d in others
    ]
    lines.append(f"  ask them, or see `inbox show {conversation[:8]}`; {FORCE_HINT}")
    who = ", ".join(handle(d["agent"]) for d in others)
    return HeldError(f"held: {who} is already writing a reply", others, lines)


def must_claim(
    own: Ownership, agent: str, *, confirmable: bool, force: bool, now: datetime
) -> bool:
    """Whether the reply claims the conversation first (nobody owns it). Raises
    ConflictError when only ``force`` may send; ``confirmable``: the replica has a relay
    to order claims."""
    if own.owner is None:
        return True
    if force:
        return False
    if own.owner != agent:
        since = f" {_when(own.since, now)}" if own.since else ""
        raise ConflictError(f"claimed by {handle(own.owner)}{since}; {FORCE_HINT}")
    if own.tentative and confirmable:
        raise ConflictError(f"your claim is not confirmed yet (offline); {FORCE_HINT}")
    return False


def _when(iso: str, now: datetime) -> str:
    """``ago`` in a sentence: "claimed by ben just now", "... 2m ago"."""
    text = ago(iso, now)
    return "just now" if text == "now" else text
