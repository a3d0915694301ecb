"""Macros: a named list of actions applied together to each conversation.

An action is a small dict, so a macro stores as plain JSON in the workspace:
``{"tag": "refund"}``, ``{"untag": "x"}``, ``{"status": "pending"}``,
``{"priority": "high"}``, ``{"assign": "dana@..."}``, ``{"unassign": true}``,
``{"note": "text"}``, ``{"snooze": "2d"}``, ``{"reply": "TEMPLATE"}``.

A macro with a ``reply`` is a saved reply with actions: `inbox reply ID --macro NAME`
(or `inbox compose --macro NAME`) sends the template, rendered for the conversation,
and applies the other actions with it. The reply goes first, whatever its place in the
list: a send that is held then leaves the conversation as it was. `inbox macro run`
sends no mail, so a pipe of ids never mails a customer by surprise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crdt.errors import UsageError
from crdt.model.vocab import PRIORITIES, SETTABLE_STATUSES
from crdt.workflow.templates import check_name

ACTIONS = ("tag", "untag", "status", "priority", "assign", "unassign", "note", "snooze", "reply")


def check(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same actions, once each is known and its value would work when the macro runs
    (a macro runs action by action, so a bad value would leave it half applied)."""
    if not actions:
        raise UsageError("a macro needs at least one action (--tag, --status, --note ...)")
    for action in actions:
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in ACTIONS:
            raise UsageError(f"unknown macro action {action!r}; known: {', '.join(ACTIONS)}")
        _check_value(*next(iter(action.items())))
    if len([a for a in actions if "reply" in a]) > 1:
        raise UsageError("a macro sends at most one reply")
    return actions


def reply_of(actions: list[dict[str, Any]]) -> str | None:
    """The template a macro replies with, if it has a reply."""
    return next((str(a["reply"]) for a in actions if "reply" in a), None)


def without_reply(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions a macro applies beside its reply, in order."""
    return [a for a in actions if "reply" not in a]


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
    elif kind == "reply":
        check_name(value)


def describe(action: dict[str, Any]) -> str:
    kind, value = next(iter(action.items()))
    return kind if value is True else f"{kind} {value}"
