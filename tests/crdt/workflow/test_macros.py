"""Macros: named lists of actions, checked when saved so a run cannot fail halfway."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.errors import UsageError
from crdt.workflow import macros

VALID: list[dict[str, Any]] = [
    {"tag": "refund"},
    {"untag": "new"},
    {"status": "pending"},
    {"priority": "high"},
    {"assign": "dana@example.com"},
    {"unassign": True},
    {"note": "refund requested"},
    {"snooze": "2d"},
    {"reply": "refund-ok"},
]


def test_every_kind_of_action_is_accepted() -> None:
    assert {next(iter(a)) for a in VALID} == set(macros.ACTIONS)
    checked = macros.check(VALID)
    assert checked == VALID


def test_check_returns_the_same_action_objects() -> None:
    """macro_add resolves ``assign`` in place on what check returns, then stores the list."""
    actions: list[dict[str, Any]] = [{"assign": "dana"}]
    assert macros.check(actions)[0] is actions[0]


def test_a_macro_needs_at_least_one_action() -> None:
    with pytest.raises(UsageError, match="at least one action"):
        macros.check([])


@pytest.mark.parametrize(
    "action",
    [
        {"close": True},
        {},
        {"tag": "a", "status": "closed"},
        ["tag"],
        "tag",
    ],
)
def test_unknown_or_malformed_actions_are_rejected(action: Any) -> None:
    with pytest.raises(UsageError):
        macros.check([{"tag": "ok"}, action])


@pytest.mark.parametrize(
    "action",
    [
        {"status": "archived"},
        {"status": "spam"},
        {"priority": "asap"},
        {"tag": "two words"},
        {"untag": ""},
        {"snooze": "whenever"},
        {"note": "   "},
        {"assign": ""},
        {"unassign": "x"},
        {"tag": 3},
        {"reply": "no spaces allowed"},
        {"reply": ""},
    ],
)
def test_actions_with_values_that_would_fail_when_run_are_rejected(action: Any) -> None:
    with pytest.raises(UsageError):
        macros.check([{"tag": "ok"}, action])


def test_describe_reads_like_the_command_line() -> None:
    assert [macros.describe(a) for a in VALID] == [
        "tag refund",
        "untag new",
        "status pending",
        "priority high",
        "assign dana@example.com",
        "unassign",
        "note refund requested",
        "snooze 2d",
        "reply refund-ok",
    ]


def test_a_macro_sends_at_most_one_reply() -> None:
    with pytest.raises(UsageError, match="at most one reply"):
        macros.check([{"reply": "a"}, {"tag": "x"}, {"reply": "b"}])


def test_the_reply_is_told_apart_from_the_actions_beside_it() -> None:
    actions: list[dict[str, Any]] = [
        {"tag": "refund"},
        {"reply": "refund-ok"},
        {"status": "pending"},
    ]
    assert macros.reply_of(actions) == "refund-ok"
    assert macros.without_reply(actions) == [{"tag": "refund"}, {"status": "pending"}]
    assert macros.reply_of([{"tag": "refund"}]) is None
