"""Who owns a conversation, computed from ownership entries the same way everywhere.

A single ``assignee`` key loses one of two concurrent claims silently (Yjs keeps
the higher client id). Instead every claim, assignment or unassignment is its
own entry, written once by its author under a fresh key and never edited:
``{"action": "claim"|"assign"|"unassign", "by": agent, "to": agent|None, "at": time}``.
A relay may later stamp entries with the order they reached it (``seq``).

The owner is a fold over the entries in order: stamped entries by stamp first,
then unstamped (tentative) ones by time, ties by author. A ``claim`` takes the
conversation only when nobody else holds it, so of two concurrent claims the
earlier one wins; ``assign`` hands it to ``to`` regardless; ``unassign`` clears.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

CLAIM, ASSIGN, UNASSIGN = "claim", "assign", "unassign"
ACTIONS = frozenset({CLAIM, ASSIGN, UNASSIGN})


class Ownership(NamedTuple):
    owner: str | None
    since: str | None  # time of the entry that made the owner
    by: str | None  # who made them owner (themselves for a claim)
    tentative: bool  # decided by an entry the relay has not yet ordered
    losers: tuple[tuple[str, str], ...]  # (agent, at) of claims that lost
    how: str | None = None  # the action of the entry that decided it: claim, assign, unassign


def order(item: tuple[str, Mapping[str, Any]]) -> tuple[int, float, str, str, str]:
    """The fold's order of an entry under its key: relay-stamped ones by stamp first, then
    unstamped ones by time, author and key (tickets.py folds its entries the same way)."""
    key, entry = item
    seq = entry.get("seq")
    stamped = isinstance(seq, int | float)
    return (
        0 if stamped else 1,
        float(seq) if isinstance(seq, int | float) else 0.0,
        str(entry.get("at", "")),
        str(entry.get("by", "")),
        key,
    )


def resolve(entries: Mapping[str, Any]) -> Ownership:
    valid = [
        (k, e) for k, e in entries.items() if isinstance(e, Mapping) and e.get("action") in ACTIONS
    ]
    owner: str | None = None
    since = by = how = None
    tentative = False
    losers: list[tuple[str, str]] = []
    for _key, entry in sorted(valid, key=order):
        action, author, at = entry["action"], str(entry.get("by", "")), str(entry.get("at", ""))
        unstamped = not isinstance(entry.get("seq"), int | float)
        if action == CLAIM:
            if owner is not None and owner != author:
                losers.append((author, at))
                continue
            if owner == author:
                continue
            owner, since, by, tentative = author, at, author, unstamped
        elif action == ASSIGN:
            target = entry.get("to")
            owner, since, by = (str(target) if target else None), at, author
            tentative = unstamped
        else:
            owner, since, by, tentative = None, at, author, unstamped
        how = action
    return Ownership(owner, since, by, tentative, tuple(losers), how)
