"""A rule fired on two replicas at once: the merge keeps one firing and its effects only."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crdt.model import conversation, firings, view
from crdt.model.ydoc import Doc
from tests.crdt.model.test_conversation import inbound, new_conversation, t

DANA, BEN, GATE = "dana@acme.example.com", "ben@acme.example.com", "gw@inbox.invalid"


def replicas(client_a: int, client_b: int) -> tuple[Doc, Doc]:
    base = new_conversation("c1")
    conversation.add_message(base, inbound("m1"), "ann@example.com", t(1))
    a, b = Doc(client_a), Doc(client_b)
    a.apply_update(base.get_update())
    b.apply_update(base.get_update())
    return a, b


def exchange(a: Doc, b: Doc) -> None:
    ua, ub = a.get_update(), b.get_update()
    a.apply_update(ub)
    b.apply_update(ua)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2**31), st.integers(1, 2**31))
def test_two_firings_of_one_rule_merge_to_one_outcome(client_a: int, client_b: int) -> None:
    a, b = replicas(client_a, client_a + 1 + client_b % 1000)
    assert conversation.fire(a, "route", "m1", [("assign", DANA), ("tag", "routed")], DANA, t(5))
    assert conversation.fire(b, "route", "m1", [("assign", BEN), ("priority", "high")], GATE, t(6))
    exchange(a, b)
    va, vb = view.build(a), view.build(b)
    assert va == vb
    (record,) = va["rules_fired"]
    winner_is_a = record["by"] == DANA
    assert va["assignee"] == (DANA if winner_is_a else BEN)
    assert va["tags"] == (["routed"] if winner_is_a else [])
    assert va["priority"] == ("normal" if winner_is_a else "high")
    ruled = [e for e in va["activity"] if e.get("rule") == "route"]
    assert len(ruled) == 2 and {e["who"] for e in ruled} == {record["by"]}
    assert conversation.ownership(a).owner == va["assignee"]


def test_an_evaluator_that_sees_the_firing_does_not_fire_again() -> None:
    a, b = replicas(1, 2)
    assert conversation.fire(a, "route", "m1", [("tag", "routed")], DANA, t(5))
    exchange(a, b)
    assert conversation.fired(b, "route", "m1")
    assert not conversation.fire(b, "route", "m1", [("tag", "other")], BEN, t(6))
    assert view.build(b)["tags"] == ["routed"]


def test_a_firing_with_nothing_to_do_writes_nothing() -> None:
    a, _ = replicas(1, 2)
    conversation.add_tag(a, "routed", DANA, t(2))
    before = a.get_state()
    assert not conversation.fire(a, "route", "m1", [("tag", "routed")], DANA, t(5))
    assert a.get_state() == before


def test_an_agents_later_change_wins_over_a_rules() -> None:
    a, _ = replicas(1, 2)
    conversation.fire(a, "route", "m1", [("assign", DANA), ("priority", "high")], DANA, t(5))
    conversation.assign(a, BEN, DANA, t(7))
    conversation.set_priority(a, "low", DANA, t(8))
    built = view.build(a)
    assert built["assignee"] == BEN and built["priority"] == "low"


def test_records_are_checked_whole() -> None:
    good = firings.record("r", "m1", DANA, t(1), "f1", ["tag x"])
    assert firings.is_record(good, firings.key("r", "m1"))
    assert not firings.is_record(good, firings.key("r", "m2"))
    assert not firings.is_record({**good, "actions": [1]}, firings.key("r", "m1"))
