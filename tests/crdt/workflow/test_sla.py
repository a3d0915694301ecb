"""SLA clocks: due times in business hours, pending pausing them, closing ending them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crdt.errors import UsageError
from crdt.model import clock
from crdt.workflow import hours, sla

BERLIN = "Mon-Fri 09:00-17:00 Europe/Berlin"
T0 = "2026-12-04T15:30:00.000Z"  # a Friday, 16:30 in Berlin: half an hour before close


def _policy(**spans: str) -> sla.Policy:
    given_spans = {"first_response": None, "next_response": None, "resolution": None, **spans}
    return sla.policy(sla.make_policy("std", spec=BERLIN, warn_before="15m", **given_spans))


def _at(iso: str) -> datetime:
    return clock.parse_iso(iso)


def _facts(
    inbound: tuple[str, ...] = (T0,), replies: tuple[str, ...] = (), **kw: object
) -> sla.Facts:
    return sla.Facts(T0, inbound, replies, kw.get("statuses", ()), None)  # type: ignore[arg-type]


def _one(f: sla.Facts, p: sla.Policy, now: str, target: str) -> sla.Target:
    return next(t for t in sla.targets(f, p, _at(now)) if t.target == target)


def test_first_response_due_runs_over_the_weekend_in_business_hours() -> None:
    first = _one(_facts(), _policy(first_response="1h"), T0, "first_response")
    # 30 minutes on Friday, the other 30 from Monday 09:00 Berlin (08:00 UTC)
    assert first.due_at == "2026-12-07T08:30:00.000Z" and first.state == "due"


def test_the_state_turns_to_warning_then_breaching() -> None:
    p, f = _policy(first_response="1h"), _facts()
    assert _one(f, p, "2026-12-07T08:16:00Z", "first_response").state == "warning"
    late = _one(f, p, "2026-12-07T08:31:00Z", "first_response")
    assert late.state == "breaching" and late.breached


def test_a_reply_meets_the_first_response_and_a_late_one_is_breached() -> None:
    p = _policy(first_response="1h")
    met = _one(
        _facts(replies=("2026-12-07T08:10:00.000Z",)), p, "2026-12-09T00:00:00Z", "first_response"
    )
    assert met.state == "met" and not met.breached and met.met_at == "2026-12-07T08:10:00.000Z"
    late = _one(
        _facts(replies=("2026-12-07T09:00:00.000Z",)), p, "2026-12-09T00:00:00Z", "first_response"
    )
    assert late.state == "met" and late.breached


def test_next_response_runs_from_the_oldest_message_since_the_last_reply() -> None:
    f = _facts(
        inbound=(T0, "2026-12-07T10:00:00.000Z", "2026-12-07T11:00:00.000Z"),
        replies=("2026-12-07T08:10:00.000Z",),
    )
    nxt = _one(f, _policy(next_response="4h"), "2026-12-07T12:00:00Z", "next_response")
    assert nxt.started_at == "2026-12-07T10:00:00.000Z"
    assert nxt.due_at == "2026-12-07T14:00:00.000Z" and nxt.met_at is None


def test_no_next_response_before_the_customer_writes_again() -> None:
    f = _facts(replies=("2026-12-07T08:10:00.000Z",))
    names = [t.target for t in sla.targets(f, _policy(next_response="4h"), _at(T0))]
    assert names == []


def test_pending_pauses_the_clock_and_open_again_resumes_it() -> None:
    p = _policy(resolution="1d")
    paused = ("2026-12-07T09:00:00.000Z", "pending")
    f = _facts(statuses=(paused,))
    held = _one(f, p, "2026-12-08T00:00:00Z", "resolution")
    assert held.state == "paused" and held.due_at is None
    assert held.left == 24 * 3600 - 30 * 60 - 60 * 60  # Friday's half hour, Monday's hour
    back = _facts(statuses=(paused, ("2026-12-08T09:00:00.000Z", "open")))
    resumed = _one(back, p, "2026-12-08T09:00:00Z", "resolution")
    running = _one(_facts(), p, "2026-12-08T09:00:00Z", "resolution")
    assert _at(resumed.due_at or "") > _at(running.due_at or "")


def test_closing_meets_the_resolution_and_answers_what_waited() -> None:
    f = _facts(statuses=(("2026-12-07T08:20:00.000Z", "closed"),))
    found = sla.targets(
        f, _policy(first_response="1h", resolution="2d"), _at("2026-12-09T00:00:00Z")
    )
    assert [(t.target, t.state, t.breached) for t in found] == [
        ("first_response", "met", False),
        ("resolution", "met", False),
    ]
    assert sla.summary(f, _policy(first_response="1h")).done == "met"


def test_an_inbound_message_reopens_a_pending_conversation_in_the_facts() -> None:
    view = {
        "created_at": T0,
        "status": "open",
        "messages": [
            {"direction": "in", "created_at": T0},
            {"direction": "in", "created_at": "2026-12-07T10:00:00.000Z", "kind": "auto-reply"},
        ],
        "activity": [
            {"action": "status", "detail": "pending", "at": "2026-12-07T09:00:00.000Z"},
            {"action": "message_in", "at": "2026-12-07T10:00:00.000Z"},
        ],
    }
    f = sla.facts(view)
    assert f.inbound == (T0,)  # a notice is no customer writing
    assert f.statuses == (
        ("2026-12-07T09:00:00.000Z", "pending"),
        ("2026-12-07T10:00:00.000Z", "open"),
    )
    assert sla.facts_from_json(sla.facts_json(f)) == f


def test_spam_and_no_policy_have_no_clock() -> None:
    found, default = sla.policies(
        {
            "std": sla.make_policy(
                "std",
                first_response="1h",
                next_response=None,
                resolution=None,
                spec=None,
                default=True,
            )
        }
    )
    assert sla.chosen(_facts(), found, default) is not None
    assert sla.chosen(_facts()._replace(spam=True), found, default) is None
    assert sla.chosen(_facts(), found, None) is None
    assert sla.summary(_facts(), None) == sla.Summary(None, None, None, None)


@pytest.mark.parametrize(
    ("spans", "says"),
    [
        ({}, "needs a target"),
        ({"first_response": "soon"}, "cannot read duration"),
        ({"resolution": "0h"}, "more than 0"),
    ],
)
def test_a_policy_that_could_not_run_is_refused(spans: dict[str, str], says: str) -> None:
    base = {"first_response": None, "next_response": None, "resolution": None, **spans}
    with pytest.raises(UsageError, match=says):
        sla.make_policy("std", spec=None, **base)


def test_transitions_say_the_warning_and_the_breach_once_each() -> None:
    f, p = _facts(), _policy(first_response="1h")
    whole = sla.transitions(f, p, _at(T0), _at("2026-12-08T00:00:00Z"))
    assert whole == [
        ("sla.warning", "first_response", "2026-12-07T08:15:00.000Z"),
        ("sla.breached", "first_response", "2026-12-07T08:30:00.000Z"),
    ]
    split = _at("2026-12-07T08:20:00Z")
    parts = sla.transitions(f, p, _at(T0), split) + sla.transitions(
        f, p, split, _at("2026-12-08T00:00:00Z")
    )
    assert parts == whole
    answered = _facts(replies=("2026-12-07T08:20:00.000Z",))
    assert [e[0] for e in sla.transitions(answered, p, _at(T0), _at("2026-12-08T00:00:00Z"))] == [
        "sla.warning"
    ]


def test_a_due_time_reads_due_in_or_overdue() -> None:
    now = _at("2026-12-07T08:18:00Z")
    assert clock.due("2026-12-07T08:30:00.000Z", now) == "due in 12m"
    assert clock.due("2026-12-07T07:18:00.000Z", now) == "overdue 1h"
    assert clock.due(None, now) == ""


# -- properties -------------------------------------------------------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC")
START = datetime(2026, 3, 1, tzinfo=UTC)  # both 2026 spring switches and a month past them
instants = st.integers(0, 60 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
calendars = st.builds(
    lambda zone, a, b: hours.parse(f"Mon-Fri {a:02d}:00-{b:02d}:00 {zone}"),
    st.sampled_from(ZONES),
    st.integers(0, 11),
    st.integers(12, 24),
)


def _stretches(cuts: list[datetime]) -> sla.Running:
    """Open, pending, open ... from the cuts in order; the last stretch open."""
    points = sorted(set(cuts))
    out: sla.Running = []
    for i in range(0, len(points), 2):
        out.append((points[i], points[i + 1] if i + 1 < len(points) else None))
    return out


@settings(max_examples=150, deadline=None)
@given(calendars, instants, st.integers(60, 40 * 3600), st.lists(instants, min_size=1, max_size=6))
def test_elapsed_at_the_deadline_is_the_budget(
    calendar: hours.Hours, start: datetime, budget: int, cuts: list[datetime]
) -> None:
    stretches = _stretches([start, *cuts])
    due, left = sla.deadline(start, budget, stretches, calendar)
    if due is None:
        assert 0 < left <= budget
        assert sla.elapsed(start, START + timedelta(days=400), stretches, calendar) == budget - left
    else:
        assert sla.elapsed(start, due, stretches, calendar) == pytest.approx(budget)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, st.integers(60, 40 * 3600), instants, st.integers(1, 7 * 24 * 60))
def test_pausing_never_makes_a_due_time_earlier(
    calendar: hours.Hours, start: datetime, budget: int, pause: datetime, minutes: int
) -> None:
    created = START - timedelta(days=1)
    resume = pause + timedelta(minutes=minutes)
    always = [(created, None)]
    paused = [(created, pause), (resume, None)]
    before, _ = sla.deadline(start, budget, always, calendar)
    after, _ = sla.deadline(start, budget, paused, calendar)
    assert before is not None and after is not None and after >= before


@settings(max_examples=100, deadline=None)
@given(calendars, instants, st.integers(60, 40 * 3600))
def test_with_no_pause_the_deadline_is_business_time_added(
    calendar: hours.Hours, start: datetime, budget: int
) -> None:
    due, _ = sla.deadline(start, budget, [(start - timedelta(days=3), None)], calendar)
    assert due == calendar.add(start, budget)
    assert calendar.seconds_between(start, due) == pytest.approx(budget)
