"""Single-valued fields: each agent writes its own entry, the latest time wins."""

from __future__ import annotations

from crdt.model import conversation, registers, view
from crdt.model.ydoc import Doc
from tests.crdt.replicas import exchange, shared_pair

ANA, BEN = "ana@example.com", "ben@example.com"


def t(minute: int) -> str:
    return f"2026-03-04T09:{minute:02d}:00.000Z"


def pair() -> tuple[Doc, Doc]:
    return shared_pair(ANA, t(0), channel="chat")


def test_empty_register_gives_the_default() -> None:
    assert registers.resolve({}, "open") == "open"
    assert registers.resolve({}) is None


def test_latest_change_wins_whatever_the_entry_order() -> None:
    entries = {ANA: {"v": "closed", "at": t(5)}, BEN: {"v": "pending", "at": t(3)}}
    assert registers.resolve(entries, "open") == "closed"
    assert registers.resolve(dict(reversed(list(entries.items()))), "open") == "closed"


def test_equal_times_are_won_by_the_greater_agent_id() -> None:
    entries = {ANA: {"v": "closed", "at": t(5)}, BEN: {"v": "pending", "at": t(5)}}
    assert registers.resolve(entries, "open") == "pending"


def test_latest_none_value_clears_the_field() -> None:
    entries = {ANA: {"v": "2026-03-05T09:00:00.000Z", "at": t(1)}, BEN: {"v": None, "at": t(2)}}
    assert registers.resolve(entries, None) is None


def test_entries_without_a_time_are_ignored() -> None:
    entries = {ANA: {"v": "closed"}, BEN: "pending", "cy@example.com": {"v": "spam", "at": t(1)}}
    assert registers.resolve(entries, "open") == "spam"


def test_concurrent_priority_changes_converge_on_the_later_one() -> None:
    one, two = pair()
    conversation.set_priority(one, "urgent", ANA, t(4))
    conversation.set_priority(two, "low", BEN, t(2))
    exchange(one, two)
    assert view.build(one)["priority"] == view.build(two)["priority"] == "urgent"


def test_concurrent_status_changes_converge_on_the_later_one() -> None:
    one, two = pair()
    conversation.set_status(one, "closed", ANA, t(1))
    conversation.set_status(two, "pending", BEN, t(2))
    exchange(one, two)
    assert view.build(one)["status"] == view.build(two)["status"] == "pending"


def test_an_agent_changing_a_field_again_replaces_its_own_entry() -> None:
    one, _ = pair()
    for minute, priority in enumerate(("high", "low", "urgent", "normal"), 1):
        conversation.set_priority(one, priority, ANA, t(minute))
    entries = one.map("priority").to_py()
    assert list(entries) == [ANA]
    assert registers.resolve(entries, "normal") == "normal"
