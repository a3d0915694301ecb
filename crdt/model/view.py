"""The materialised view of a conversation document: what `show --json` prints
and what the index stores, computed the same way on every replica.
"""

from __future__ import annotations

from typing import Any

from crdt.model import bounces, claims, firings, registers, tags, tickets, triage
from crdt.model.conversation import ARRAY_ROOTS, MAP_ROOTS
from crdt.model.vocab import NOTICES
from crdt.model.ydoc import Doc


def raw(doc: Doc, bulk: bool = False) -> dict[str, Any]:
    """Every root as plain Python values. ``bulk`` (a worker building thousands) decodes
    with orjson: the same values in two thirds of the time (see index.pack_view)."""
    if bulk:
        import orjson

        return doc.to_py(MAP_ROOTS, ARRAY_ROOTS, orjson.loads)
    return doc.to_py(MAP_ROOTS, ARRAY_ROOTS)


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items by id, once each, in time order (two replicas may both have added one)."""
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(str(item.get("id")), item)
    return sorted(seen.values(), key=lambda i: (str(i.get("created_at", "")), str(i.get("id"))))


def _message(m: dict[str, Any], delivery: dict[str, Any]) -> dict[str, Any]:
    """A message with its delivery state. Key order is whatever the document gives (it
    differs between replicas); the view is serialised with sorted keys (index.pack_view)."""
    out = dict(m)
    state = delivery.get(str(m.get("id")))
    if isinstance(state, dict):
        out["delivery"] = state.get("state")
        out["delivery_at"] = state.get("at")
        if state.get("detail"):
            out["delivery_detail"] = state["detail"]
        if state.get("via"):
            out["delivery_via"] = str(state["via"])
    out.setdefault("delivery", None)
    out.setdefault("message_id", None)
    out.setdefault("to", [])
    return out


def build(doc: Doc, bulk: bool = False) -> dict[str, Any]:
    return from_raw(raw(doc, bulk))


def _without_void(r: dict[str, Any]) -> dict[str, Any]:
    """What a rule's firing that lost wrote is left out (firings.py); most conversations
    have no firing, and are taken as they are."""
    if not r["rules"]:
        return r
    standing = firings.live(r["rules"])
    out = dict(r)
    for name in ("claims", "tags", "status", "priority", "sla"):
        out[name] = firings.kept(r[name], standing)
    out["activity"] = firings.kept_list(r["activity"], standing)
    return out


def _fired(records: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules that fired, oldest first: {"rule", "message", "by", "at", "actions"}."""
    found = [
        {k: v for k, v in rec.items() if k != "firing"}
        for rec in records.values()
        if isinstance(rec, dict) and "firing" in rec
    ]
    return sorted(found, key=lambda f: (str(f.get("at")), str(f.get("rule"))))


def from_raw(r: dict[str, Any]) -> dict[str, Any]:
    r = _without_void(r)
    meta = r["meta"]
    messages = [_message(m, r["delivery"]) for m in _unique(r["messages"])]
    bounces.mark(messages)
    notes = _unique(r["notes"])
    activity = sorted(r["activity"], key=lambda a: (str(a.get("at", "")), str(a.get("who", ""))))
    own = claims.resolve(r["claims"])
    real = [m for m in messages if m.get("kind") not in NOTICES]
    inbound = [m["created_at"] for m in real if m.get("direction") == "in"]
    outbound = [m["created_at"] for m in real if m.get("direction") == "out"]
    suggested = triage.suggestion(r["triage"])
    labels = triage.labels({f: r[f] for f in triage.FIELDS}, suggested)
    times = [str(meta.get("created_at", ""))] + [str(a.get("at", "")) for a in activity]
    return {
        "id": meta.get("id"),
        "subject": meta.get("subject", ""),
        "status": registers.resolve(r["status"], "open"),
        "assignee": own.owner,
        "assignee_tentative": own.tentative,
        "assigned_at": own.since,
        "lost_claims": [{"agent": a, "at": at} for a, at in own.losers],
        "tags": tags.current(r["tags"]),
        "channel": meta.get("channel", "email"),
        "mailbox": meta.get("mailbox"),
        "customer": meta.get("customer"),
        "customer_name": meta.get("customer_name"),
        "priority": labels["priority"],
        "sentiment": labels["sentiment"],
        "category": labels["category"],
        "labels_set_by": {f: labels[f"{f}_source"] for f in triage.FIELDS},
        "triage": suggested,
        "snoozed_until": registers.resolve(r["snooze"], None),
        "merged_into": registers.resolve(r["merged"], None),
        "created_at": meta.get("created_at"),
        "updated_at": max(times),
        "last_inbound_at": max(inbound) if inbound else None,
        "last_outbound_at": max(outbound) if outbound else None,
        "message_count": len(real),
        "messages": messages,
        "notes": notes,
        "activity": activity,
        "drafts": _drafts(r["drafts"]),
        "sla_policy": registers.resolve(r["sla"], None),
        "rules_fired": _fired(r["rules"]),
        "ticket": _ticket(r.get("ticket") or {}),
    }


def _ticket(entries: dict[str, Any]) -> dict[str, Any] | None:
    """The ticket the conversation is (tickets.py), or None; most are none."""
    made = tickets.resolve(entries) if entries else None
    return made.plain() if made else None


def _drafts(entries: dict[str, Any]) -> list[dict[str, Any]]:
    """Replies begun and not sent, by agent, oldest first."""
    found = [
        {"agent": agent, "started_at": str(e["v"].get("started_at") or "")}
        for agent, e in entries.items()
        if isinstance(e, dict) and isinstance(e.get("v"), dict)
    ]
    return sorted(found, key=lambda d: (d["started_at"], d["agent"]))
