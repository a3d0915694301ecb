"""Macros: a named list of actions applied together to each conversation.

An action is a small dict, so a macro stores as plain JSON in the workspace:
``{"tag": "refund"}``, ``{"untag": "x"}``, ``{"status": "pending"}``,
``{"priority": "high"}``, ``{"assign": "dana@..."}``, ``{"unassign": true}``,
``{"note": "text"}``, ``{"snooze": "2d"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crdt.errors import UsageError
from crdt.model.vocab import PRIORITIES, SETTABLE_STATUSES

ACTIONS = ("tag", "untag", "status", "priority", "assign", "unassign", "note", "snooze")


def check(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same actions, once each is known and its value would work when the macro runs
    (a macro runs action by action, so a bad value would leave it half applied)."""
    if not actions:
        raise UsageError("a macro needs at least one action (--tag, --status, --note ...)")
    for action in actions:
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in ACTIONS:
            raise UsageError(f"unknown macro action {action!r}; known: {', '.join(ACTIONS)}")
        _check_value(*next(iter(action.items())))
    return actions


def _check_value(kind: str, value: Any) -> None:
    from crdt.model import tags
    from crdt.workflow import when

    if kind == "unassign":
        if value is not True:
            raise UsageError(f"unassign takes no value, not {value!r}")
        return
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"macro action {kind} needs a value")
    if kind in ("tag", "untag"):
        tags.normalise(value)
    elif kind == "status" and value not in SETTABLE_STATUSES:
        raise UsageError(f"unknown status {value!r}: use one of {', '.join(SETTABLE_STATUSES)}")
    elif kind == "priority" and value not in PRIORITIES:
        raise UsageError(f"unknown priority {value!r}: use one of {', '.join(PRIORITIES)}")
    elif kind == "snooze":
        when.parse(value, datetime.now(UTC).astimezone())


def describe(action: dict[str, Any]) -> str:
    kind, value = next(iter(action.items()))
    return kind if value is True else f"{kind} {value}"
