"""Triage of a replica's conversations, stored on each: what `inbox triage ID` does, and
what the mail gateway does as a conversation arrives (arrival.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crdt import actions
from crdt.model.triage import FIELDS
from crdt.replica import Replica
from models.triage import conversation_text, team_examples, triager
from models.triage.classify import Triager


def triage_conversations(
    replica: Replica, ids: Sequence[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Each conversation's suggestion, stored under this agent's entry, and the labels it
    now has (an agent's correction stays); with why the fallback ran, if it did."""
    team = team_examples([v for v in replica.labelled() if v["id"] not in ids])
    model, fallback = triager(replica.home, team)
    return [suggest(replica, model, ident) for ident in ids], fallback


def suggest(replica: Replica, model: Triager, ident: str) -> dict[str, Any]:
    """One conversation's suggestion, stored, and the labels it now has."""
    result = model.triage(conversation_text(replica.conversation(ident)))
    suggestion = result.suggestion()
    actions.suggest_labels(replica, ident, suggestion)
    view = replica.conversation(ident)
    return {
        "conversation": ident,
        **{f: view[f] for f in FIELDS},
        "set_by": view["labels_set_by"],
        "suggested": {f: suggestion[f] for f in FIELDS},
        "confidence": suggestion["confidence"],
        "low_confidence": [f for f in FIELDS if result.labels[f].low],
        "signals": list(result.signals),
        "method": result.method,
    }
