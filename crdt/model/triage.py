"""A conversation's labels: what a model suggested, and what agents set, resolved alike.

Two kinds of writer, kept apart so that an agent's word is never overwritten:

- ``triage`` holds model suggestions, a register entry per writer (the agent whose
  replica ran the model, or the mail gateway): ``{"v": {"category", "priority",
  "sentiment", "confidence": {field: 0-1}, "method"}, "at"}``. Running triage again
  replaces only that writer's own entry.
- ``category``, ``priority`` and ``sentiment`` are registers agents set by hand
  (``inbox triage ID --category ...``, ``inbox priority``). A field with any such entry
  takes the agent's value, whatever triage says later: the correction wins and is kept.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crdt.model import registers
from crdt.model.vocab import CATEGORIES, DEFAULT_PRIORITY, PRIORITIES, SENTIMENTS

FIELDS = ("category", "priority", "sentiment")
CHOICES: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "priority": PRIORITIES,
    "sentiment": SENTIMENTS,
}
DEFAULTS: dict[str, str | None] = {
    "category": None,
    "priority": DEFAULT_PRIORITY,
    "sentiment": None,
}


def suggestion(entries: Mapping[str, Any]) -> dict[str, Any] | None:
    """The latest well-formed model suggestion, with who wrote it and when."""
    best: tuple[str, str] | None = None
    found: dict[str, Any] | None = None
    for writer, entry in entries.items():
        if not isinstance(entry, Mapping) or not is_suggestion(entry.get("v")):
            continue
        key = (str(entry.get("at", "")), writer)
        if best is None or key > best:
            best, found = key, {**entry["v"], "by": writer, "at": entry.get("at")}
    return found


def is_suggestion(value: Any) -> bool:
    """A suggestion whose labels are in the vocabulary and whose confidences are 0-1."""
    if not isinstance(value, Mapping):
        return False
    confidence = value.get("confidence")
    if not isinstance(confidence, Mapping) or not isinstance(value.get("method"), str):
        return False
    for field in FIELDS:
        if value.get(field) not in CHOICES[field]:
            return False
        score = confidence.get(field)
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
            return False
    return True


def labels(
    set_by_agents: Mapping[str, Mapping[str, Any]], suggested: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Each field's value and where it came from: an agent's register, else the model's
    suggestion, else the default (``source`` null)."""
    out: dict[str, Any] = {}
    for field in FIELDS:
        entries = set_by_agents.get(field) or {}
        if any(isinstance(e, Mapping) and "at" in e for e in entries.values()):
            out[field] = registers.resolve(entries, DEFAULTS[field])
            out[f"{field}_source"] = "agent"
        elif suggested is not None:
            out[field] = suggested[field]
            out[f"{field}_source"] = "model"
        else:
            out[field] = DEFAULTS[field]
            out[f"{field}_source"] = None
    return out
