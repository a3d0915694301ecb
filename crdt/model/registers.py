"""Single-valued fields (status, priority, snooze) that every replica resolves alike.

A Yjs map key written concurrently keeps the value of the higher client id,
which is arbitrary for people. Instead each agent writes only its own entry,
``{"v": value, "at": time}`` under its agent id, and the field's value is the
entry with the latest time; equal times are broken by the greater agent id.
So the last change by the clock wins, the same way on every replica.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resolve(entries: Mapping[str, Any], default: Any = None) -> Any:
    best: tuple[str, str] | None = None
    value = default
    for agent, entry in entries.items():
        if not isinstance(entry, Mapping) or "at" not in entry:
            continue
        key = (str(entry["at"]), agent)
        if best is None or key > best:
            best, value = key, entry.get("v", default)
    return value
