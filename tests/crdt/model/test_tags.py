"""Tags as an add-wins set, through two replicas of one conversation."""

from __future__ import annotations

import pytest

from crdt.errors import UsageError
from crdt.model import conversation, tags, view
from crdt.model.ydoc import Doc
from tests.crdt.replicas import exchange, shared_pair

ANA, BEN, CY = "ana@example.com", "ben@example.com", "cy@example.com"


def t(minute: int) -> str:
    return f"2026-03-04T09:{minute:02d}:00.000Z"


def pair() -> tuple[Doc, Doc]:
    return shared_pair(ANA, t(0))


def current(doc: Doc) -> list[str]:
    return tags.current(doc.map("tags").to_py() or {})


def entry_count(doc: Doc) -> int:
    return len(doc.map("tags").to_py() or {})


def test_concurrent_add_and_remove_of_a_present_tag_ends_with_the_tag_on_both() -> None:
    one, two = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    exchange(one, two)
    conversation.add_tag(one, "vip", BEN, t(2))
    assert conversation.remove_tag(two, "vip", CY, t(3)) is True
    assert current(two) == []
    exchange(one, two)
    assert current(one) == current(two) == ["vip"]
    assert view.build(one)["tags"] == view.build(two)["tags"] == ["vip"]


def test_concurrent_add_and_remove_of_an_absent_tag_ends_with_the_tag_on_both() -> None:
    one, two = pair()
    assert conversation.add_tag(one, "vip", ANA, t(1)) is True
    assert conversation.remove_tag(two, "vip", BEN, t(2)) is False
    exchange(one, two)
    assert current(one) == current(two) == ["vip"]


def test_same_agent_readding_concurrently_with_a_remove_still_wins() -> None:
    one, two = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    exchange(one, two)
    assert conversation.add_tag(one, "vip", ANA, t(2)) is False  # already there: no new tag
    conversation.remove_tag(two, "vip", BEN, t(3))
    exchange(one, two)
    assert current(one) == current(two) == ["vip"]


def test_remove_after_seeing_the_add_removes_it_everywhere() -> None:
    one, two = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    conversation.add_tag(two, "vip", BEN, t(1))
    exchange(one, two)
    assert conversation.remove_tag(two, "vip", CY, t(2)) is True
    exchange(one, two)
    assert current(one) == current(two) == []
    assert entry_count(one) == entry_count(two) == 0


def test_removing_one_tag_leaves_the_others() -> None:
    one, _ = pair()
    for tag in ("vip", "refund", "bug"):
        conversation.add_tag(one, tag, ANA, t(1))
    conversation.remove_tag(one, "refund", ANA, t(2))
    assert current(one) == ["bug", "vip"]


def test_tag_that_prefixes_another_is_a_different_tag() -> None:
    one, _ = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    conversation.add_tag(one, "vip-gold", ANA, t(1))
    conversation.remove_tag(one, "vip", ANA, t(2))
    assert current(one) == ["vip-gold"]


def test_repeated_adds_keep_one_entry_per_agent_per_tag() -> None:
    one, _ = pair()
    for minute in range(10):
        conversation.add_tag(one, "vip", ANA, t(minute))
    assert entry_count(one) == 1
    for minute in range(10):
        conversation.add_tag(one, "vip", BEN, t(minute))
    assert entry_count(one) == 2
    assert current(one) == ["vip"]


def test_one_agent_adding_on_two_replicas_collapses_on_the_next_add() -> None:
    one, two = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    conversation.add_tag(two, "vip", ANA, t(1))
    exchange(one, two)
    assert entry_count(one) == 2
    conversation.add_tag(one, "vip", ANA, t(2))
    exchange(one, two)
    assert entry_count(one) == entry_count(two) == 1


def test_add_logs_activity_only_when_the_tag_was_new() -> None:
    one, _ = pair()
    conversation.add_tag(one, "vip", ANA, t(1))
    conversation.add_tag(one, "vip", BEN, t(2))
    conversation.remove_tag(one, "vip", CY, t(3))
    conversation.remove_tag(one, "vip", CY, t(4))
    actions = [(a["action"], a.get("detail")) for a in view.build(one)["activity"]]
    assert actions == [("create", None), ("tag", "vip"), ("untag", "vip")]


def test_current_lists_each_tag_once_sorted() -> None:
    entries = {
        tags.entry_key("vip", "1"): {},
        tags.entry_key("bug", "2"): {},
        tags.entry_key("vip", "3"): {},
    }
    assert tags.current(entries) == ["bug", "vip"]
    assert tags.keys_of("vip", entries) == [tags.entry_key("vip", "1"), tags.entry_key("vip", "3")]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("VIP", "vip"),
        ("  refund ", "refund"),
        ("needs-reply", "needs-reply"),
        ("café", "café"),
        ("a" * 64, "a" * 64),
        ("p1:billing", "p1:billing"),
    ],
)
def test_normalise_lowercases_and_strips(typed: str, stored: str) -> None:
    assert tags.normalise(typed) == stored


@pytest.mark.parametrize(
    "bad", ["", "   ", "two words", "a,b", "tab\there", "a" * 65, "x\x1fy", "nul\x00"]
)
def test_normalise_rejects_bad_tags(bad: str) -> None:
    with pytest.raises(UsageError):
        tags.normalise(bad)
