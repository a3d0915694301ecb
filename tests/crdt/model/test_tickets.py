"""A conversation as a ticket: the fold over ticket entries, the workflow, and the relay's
stamps, on plain dicts and on two replicas' documents."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crdt.errors import ConflictError, UsageError
from crdt.model import conversation, tickets, view, ydoc
from crdt.model.tickets import FIELD, MAKE, MOVES, STATUS, TYPE
from crdt.model.vocab import TICKET_STATUSES, TICKET_TYPES
from tests.crdt.replicas import exchange, shared_pair

ANA, BEN = "ana@example.com", "ben@example.com"


def t(minute: int) -> str:
    return f"2026-12-07T09:{minute:02d}:00.000Z"


def entry(action: str, by: str, at: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"action": action, "by": by, "at": at, "value": value, **extra}


def counter(start: int = 1041) -> Any:
    numbers = itertools.count(start + 1)
    return lambda: next(numbers)


# -- the fold on plain entries ----------------------------------------------------------------


def test_no_make_entry_means_no_ticket() -> None:
    assert tickets.resolve({}) is None
    assert tickets.resolve({"k": entry(STATUS, ANA, t(1), "open")}) is None


def test_a_made_ticket_starts_new_and_tentative() -> None:
    made = tickets.resolve({"k": entry(MAKE, BEN, t(1), "incident")})
    assert made is not None
    assert (made.number, made.type, made.status, made.fields) == (None, "incident", "new", {})
    assert made.tentative and made.label() == "#? (tentative)"
    assert (made.made_by, made.made_at) == (BEN, t(1))


def test_the_relays_number_makes_it_firm() -> None:
    made = tickets.resolve({"k": entry(MAKE, BEN, t(1), "task", seq=7, number=1042)})
    assert made is not None and made.number == 1042 and not made.tentative
    assert made.label() == "#1042"


def test_of_two_makes_the_first_the_relay_ordered_decides_type_and_number() -> None:
    entries = {
        "a": entry(MAKE, ANA, t(1), "question", seq=9),  # earlier clock, later at the relay
        "b": entry(MAKE, BEN, t(5), "incident", seq=4, number=3),
    }
    made = tickets.resolve(entries)
    assert made is not None
    assert (made.type, made.number, made.made_by) == ("incident", 3, BEN)


def test_status_moves_follow_the_workflow_and_an_illegal_one_is_skipped() -> None:
    entries = {
        "m": entry(MAKE, ANA, t(1), "task"),
        "s1": entry(STATUS, ANA, t(2), "solved"),
        "s2": entry(STATUS, BEN, t(3), "in-progress"),  # solved -> in-progress: not allowed
        "s3": entry(STATUS, BEN, t(4), "closed"),
    }
    made = tickets.resolve(entries)
    assert made is not None and made.status == "closed"


def test_fields_take_the_last_value_and_an_empty_one_removes() -> None:
    entries = {
        "m": entry(MAKE, ANA, t(1), "question"),
        "f1": entry(FIELD, ANA, t(2), "A-1000", field="order"),
        "f2": entry(FIELD, BEN, t(3), "A-1001", field="order"),
        "f3": entry(FIELD, BEN, t(3), "pro", field="plan"),
        "f4": entry(FIELD, ANA, t(4), None, field="plan"),
        "t1": entry(TYPE, BEN, t(5), "problem"),
    }
    made = tickets.resolve(entries)
    assert made is not None
    assert made.fields == {"order": "A-1001"} and made.type == "problem"


def test_entries_of_another_shape_are_ignored() -> None:
    entries = {
        "m": entry(MAKE, ANA, t(1), "question"),
        "x": entry(TYPE, ANA, t(2), "Not a type"),
        "y": entry(STATUS, ANA, t(2), "done"),
        "z": entry(FIELD, ANA, t(2), "v", field="Bad Name"),
        "w": "text",
    }
    made = tickets.resolve(entries)
    assert made is not None and (made.type, made.status, made.fields) == ("question", "new", {})


ENTRIES = st.dictionaries(
    st.text("abcdef0123", min_size=1, max_size=4),
    st.one_of(
        st.builds(
            entry,
            st.sampled_from([MAKE, TYPE]),
            st.sampled_from([ANA, BEN]),
            st.integers(0, 9).map(t),
            st.sampled_from(TICKET_TYPES),
        ),
        st.builds(
            entry,
            st.just(STATUS),
            st.sampled_from([ANA, BEN]),
            st.integers(0, 9).map(t),
            st.sampled_from(TICKET_STATUSES),
        ),
        st.builds(
            lambda by, at, value, name: entry(FIELD, by, at, value, field=name),
            st.sampled_from([ANA, BEN]),
            st.integers(0, 9).map(t),
            st.one_of(st.none(), st.sampled_from(["A-1", "B-2"])),
            st.sampled_from(["order", "plan"]),
        ),
    ),
    max_size=12,
)


@given(ENTRIES, st.randoms(use_true_random=False), st.lists(st.integers(1, 50), max_size=12))
def test_any_order_of_entries_gives_the_same_ticket(
    entries: dict[str, Any], rnd: Any, seqs: list[int]
) -> None:
    stamped = {k: {**e, "seq": s} for (k, e), s in zip(entries.items(), seqs, strict=False)}
    mixed = {**entries, **stamped}
    items = list(mixed.items())
    rnd.shuffle(items)
    assert tickets.resolve(dict(items)) == tickets.resolve(mixed)


@given(ENTRIES)
def test_the_folded_status_is_always_reachable_from_new(entries: dict[str, Any]) -> None:
    made = tickets.resolve(entries)
    reachable, frontier = {"new"}, ["new"]
    while frontier:
        for nxt in MOVES[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert made is None or made.status in reachable


def test_check_move_names_what_the_status_allows() -> None:
    closed = tickets.Ticket(1042, "incident", "closed", {}, ANA, t(1))
    with pytest.raises(ConflictError, match="#1042 is closed: it cannot move to open"):
        tickets.check_move(closed, "open")
    solved = closed._replace(status="solved")
    with pytest.raises(ConflictError, match=r"from solved: open, closed"):
        tickets.check_move(solved, "in-progress")
    tickets.check_move(solved, "solved")  # already so: fine
    with pytest.raises(UsageError, match="unknown ticket status 'done'"):
        tickets.check_move(solved, "done")


def test_parse_field() -> None:
    assert tickets.parse_field("order=A-1001") == ("order", "A-1001")
    assert tickets.parse_field("Plan=pro=max") == ("plan", "pro=max")
    assert tickets.parse_field("order=") == ("order", None)
    for bad in ("order", "=x", "my field=x", "x" * 41 + "=v"):
        with pytest.raises(UsageError):
            tickets.parse_field(bad)


# -- the relay's stamps ----------------------------------------------------------------------


def test_stamps_number_the_first_make_once() -> None:
    entries = {"b": entry(MAKE, BEN, t(2), "task"), "a": entry(MAKE, ANA, t(1), "incident")}
    out = tickets.stamped(entries, 5, counter())
    assert out["a"] == {**entries["a"], "seq": 5, "number": 1042}
    assert out["b"] == {**entries["b"], "seq": 5}
    again = tickets.stamped({**out, "c": entry(STATUS, ANA, t(3), "open")}, 6, counter(2000))
    assert again == {"c": {**entry(STATUS, ANA, t(3), "open"), "seq": 6}}


# -- on documents: two replicas and a relay's stamp --------------------------------------------


def test_two_replicas_making_one_ticket_end_with_one_number() -> None:
    a, b = shared_pair(ANA, t(0), subject="Outage")
    assert conversation.update_ticket(a, ANA, t(1), kind="incident") == ["made a ticket (incident)"]
    conversation.update_ticket(b, BEN, t(2), kind="problem", fields=[("order", "A-1")])
    exchange(a, b)
    relay = ydoc.load([a.get_update()])
    numbers = counter()
    assert conversation.stamp(relay, 10, numbers) == 3
    stamp = relay.get_update(a.get_state())
    for doc in (a, b):
        doc.apply_update(stamp)
    va, vb = view.build(a)["ticket"], view.build(b)["ticket"]
    assert va == vb
    assert va["number"] == 1042 and va["tentative"] is False
    assert va["type"] == "incident" and va["fields"] == {"order": "A-1"}
    assert numbers() == 1043  # one number taken, no more
    assert conversation.stamp(relay, 11, numbers) == 0


def test_update_ticket_refuses_an_illegal_move_and_writes_nothing() -> None:
    a, _ = shared_pair(ANA, t(0))
    conversation.update_ticket(a, ANA, t(1), status="solved")
    conversation.update_ticket(a, ANA, t(2), status="closed")
    state = a.get_state()
    with pytest.raises(ConflictError, match="cannot move to open"):
        conversation.update_ticket(a, ANA, t(3), status="open")
    assert a.get_state() == state
    assert conversation.update_ticket(a, ANA, t(4), status="closed") == []


def test_activity_records_each_change() -> None:
    a, _ = shared_pair(ANA, t(0))
    conversation.update_ticket(a, BEN, t(1), kind="incident")
    conversation.update_ticket(a, BEN, t(2), kind="task", status="open", fields=[("plan", "pro")])
    actions = [(x["action"], x.get("detail")) for x in view.build(a)["activity"]]
    assert actions[1:] == [
        ("ticket", "incident"),
        ("ticket_type", "task"),
        ("ticket_status", "open"),
        ("ticket_field", "plan=pro"),
    ]


def test_a_ticket_holds_a_bounded_number_of_fields() -> None:
    a, _ = shared_pair(ANA, t(0))
    many = [(f"f{n}", "v") for n in range(tickets.MAX_FIELDS)]
    conversation.update_ticket(a, ANA, t(1), fields=many)
    state = a.get_state()
    with pytest.raises(UsageError, match="up to 50 fields"):
        conversation.update_ticket(a, ANA, t(2), fields=[("one-more", "v")])
    assert a.get_state() == state
    assert conversation.update_ticket(a, ANA, t(3), fields=[("f0", None), ("new", "v")]) == [
        "f0 removed",
        "new=v",
    ]
