"""What happened in a conversation, as a typed stream of events with stable ids.

Events are derived, never stored in a document: a conversation's view (messages,
notes, activity) holds everything they say. An event's id is derived from the
conversation and the entry it comes from (a message's id, a note's id and the agent
it mentions, an activity entry's who/action/at/detail), so every replica, the relay's
notifier and the analytics table derive the same ids for the same change, and a
receiver told an event twice (delivery is at least once) can drop the second by id.

``fresh(before, after)`` is what a change brought: the events of the new view whose ids
the old view did not have. The SLA clocks (``crdt/sync/sla_clock.py``) emit
``sla.warning`` and ``sla.breached`` with ``sla_event``, whose id is derived from the
conversation, the policy, the target and the due time, so a breach is told once however
often it is computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crdt.model.ids import derived_id
from crdt.model.vocab import NOTICES

MESSAGE_RECEIVED = "message.received"
REPLY_SENT = "reply.sent"
ASSIGNED = "assigned"
UNASSIGNED = "unassigned"
MENTION = "mention"
STATUS_CHANGED = "status.changed"
TAG_ADDED = "tag.added"
TAG_REMOVED = "tag.removed"
SLA_WARNING = "sla.warning"
SLA_BREACHED = "sla.breached"

KINDS = (
    MESSAGE_RECEIVED,
    REPLY_SENT,
    ASSIGNED,
    UNASSIGNED,
    MENTION,
    STATUS_CHANGED,
    TAG_ADDED,
    TAG_REMOVED,
    SLA_WARNING,
    SLA_BREACHED,
)
# words `--on` takes besides the kinds themselves (with "-" for "." as well)
ALIASES = {
    "message": (MESSAGE_RECEIVED,),
    "reply": (REPLY_SENT,),
    "status": (STATUS_CHANGED,),
    "tag": (TAG_ADDED, TAG_REMOVED),
    "sla": (SLA_WARNING, SLA_BREACHED),
}
SLA_TARGETS = ("first_response", "next_response", "resolution")
EXCERPT = 280  # characters of a body an event carries

Event = dict[str, Any]


def kinds_of(words: Iterable[str]) -> tuple[str, ...]:
    """The kinds `--on mention,sla-breached` names; "*" is every kind. A word that names
    none raises ValueError with the word."""
    found: list[str] = []
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        if word == "*":
            return KINDS
        dotted = word.replace("-", ".")
        named = (dotted,) if dotted in KINDS else ALIASES.get(dotted)
        if named is None:
            raise ValueError(word)
        found += [k for k in named if k not in found]
    return tuple(k for k in KINDS if k in found)


def _event(view: dict[str, Any], kind: str, key: tuple[str, ...], at: Any, who: Any) -> Event:
    conversation = str(view.get("id") or "")
    return {
        "id": derived_id("event", conversation, kind, *key),
        "event": kind,
        "conversation": conversation,
        "at": str(at or ""),
        "who": who,
        "subject": view.get("subject") or "",
        "channel": view.get("channel"),
        "mailbox": view.get("mailbox"),
        "customer": view.get("customer"),
    }


def _excerpt(text: Any) -> str:
    body = " ".join(str(text or "").split())
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"


def of_view(view: dict[str, Any], bodies: bool = True) -> list[Event]:
    """Every event a conversation's history holds, in time order (then by id);
    ``bodies``: with an excerpt of each message's or note's text (analytics needs none)."""
    out: list[Event] = []
    for m in view.get("messages") or []:
        if m.get("kind") in NOTICES:
            continue
        inbound = m.get("direction") == "in"
        kind = MESSAGE_RECEIVED if inbound else REPLY_SENT
        who = m.get("from") if inbound else m.get("author") or m.get("from")
        e = _event(view, kind, (str(m.get("id")),), m.get("created_at"), who)
        e["message"] = m.get("id")
        if bodies:
            e["body"] = _excerpt(m.get("body"))
        out.append(e)
    for n in view.get("notes") or []:
        for agent in n.get("mentions") or []:
            e = _event(view, MENTION, (str(n.get("id")), str(agent)), n.get("created_at"), None)
            e.update(who=n.get("author"), agent=agent, note=n.get("id"))
            if bodies:
                e["body"] = _excerpt(n.get("body"))
            out.append(e)
    for a in view.get("activity") or []:
        found = _of_activity(view, a)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda e: (e["at"], e["id"]))


def _of_activity(view: dict[str, Any], a: dict[str, Any]) -> Event | None:
    action, who, detail = a.get("action"), a.get("who"), a.get("detail")
    key = (str(action), str(who), str(a.get("at")), str(detail or ""))
    if action in ("claim", "assign"):
        e = _event(view, ASSIGNED, key, a.get("at"), who)
        e["agent"] = detail if action == "assign" else who
        return e
    if action == "unassign":
        return _event(view, UNASSIGNED, key, a.get("at"), who)
    if action == "status" and detail:
        e = _event(view, STATUS_CHANGED, key, a.get("at"), who)
        e["status"] = detail
        return e
    if action in ("tag", "untag") and detail:
        e = _event(view, TAG_ADDED if action == "tag" else TAG_REMOVED, key, a.get("at"), who)
        e["tag"] = detail
        return e
    return None


def fresh(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Event]:
    """What a change brought: the events of ``after`` that ``before`` (None: the
    conversation is new here) did not hold."""
    old = {e["id"] for e in of_view(before)} if before else set()
    return [e for e in of_view(after) if e["id"] not in old]


def sla_event(
    view: dict[str, Any], kind: str, policy: str, target: str, due_at: str, at: str
) -> Event:
    """A warning or a breach of one SLA target, for the SLA clocks to emit: the same
    conversation, policy, target and due time give the same id wherever it is computed."""
    if kind not in (SLA_WARNING, SLA_BREACHED) or target not in SLA_TARGETS:
        raise ValueError(f"not an SLA event: {kind} {target}")
    e = _event(view, kind, (policy, target, due_at), at, None)
    e.update(policy=policy, target=target, due_at=due_at)
    return e
