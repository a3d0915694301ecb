"""SLA policies and a conversation's clocks: how long a customer may wait, in business time.

A policy (a workspace item, ``ws:slas``) gives up to three targets, each a span of
business time (its ``hours``, closed on its holidays):

    first_response  from the first inbound message to the first agent's reply
    next_response   from the oldest inbound message since the latest agent's reply
                    (the customer waiting again) to the reply after it
    resolution      from the conversation's creation to its close

A clock runs only while the conversation is open: pending pauses every clock, closing
ends them (an unanswered message counts as answered by the close; the resolution is met
then), and an inbound message that reopens the conversation restarts them. A target is
``met`` (by ``met_at``; ``breached`` when that was after ``due_at``), ``paused`` (pending,
``left`` business seconds to go), or running: ``due``, ``warning`` (within the policy's
``warn_before`` of ``due_at``) or ``breaching`` (past it).

What a clock needs of a conversation (``facts``) is small and independent of any policy
and of the time, so the index keeps it beside each row and works out the next due instant
when a conversation or a policy changes (store/index.py); which state a target is in is
then only a comparison with now. Pure: no clock is read; every instant is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from crdt.errors import UsageError
from crdt.model import clock
from crdt.model.vocab import NOTICES
from crdt.workflow import hours

TARGETS = ("first_response", "next_response", "resolution")
STATES = ("breaching", "warning", "due", "paused", "met")  # the most pressing first
DEFAULT_WARN = 15 * 60


class Policy(NamedTuple):
    name: str
    targets: dict[str, int]  # target -> business seconds, for those the policy sets
    hours: hours.Hours
    warn_before: int


class Facts(NamedTuple):
    """What the clocks read of a conversation: when it began, its customers' messages and
    agents' replies (notices left out), and when its status changed."""

    created: str
    inbound: tuple[str, ...]
    replies: tuple[str, ...]
    statuses: tuple[tuple[str, str], ...]  # (at, status), oldest first
    policy: str | None  # the one a rule set
    spam: bool = False


class Target(NamedTuple):
    target: str
    started_at: str
    due_at: str | None  # None while paused before it fell due
    met_at: str | None
    breached: bool  # met late, or running past due (at the time asked about)
    state: str
    left: int | None  # business seconds to go, while paused


def make_policy(
    name: str,
    *,
    first_response: str | None,
    next_response: str | None,
    resolution: str | None,
    spec: str | None,
    holidays: Iterable[str] = (),
    warn_before: str | None = None,
    default: bool = False,
    by: str = "",
) -> dict[str, Any]:
    """A policy item, checked whole (a usage error says what is wrong): at least one
    target, durations such as 1h or 2d, hours as ``hours.parse`` reads them."""
    from crdt.workflow import when
    from crdt.workflow.templates import check_name

    check_name(name)
    spans = {"first_response": first_response, "next_response": next_response}
    spans["resolution"] = resolution
    given = {k: when.duration(v) for k, v in spans.items() if v}
    if not given:
        raise UsageError(
            "an SLA policy needs a target: --first-response, --next-response or --resolution"
        )
    if spec:
        hours.parse(spec)
    warn = when.duration(warn_before) if warn_before else DEFAULT_WARN
    return {
        "name": name,
        **{k: given.get(k) for k in TARGETS},
        "hours": " ".join(spec.split()) if spec else None,
        "holidays": sorted(set(holidays)),
        "warn_before": warn,
        "default": bool(default),
        "by": by,
    }


def policy(item: Mapping[str, Any]) -> Policy:
    calendar = hours.parse(str(item["hours"])) if item.get("hours") else hours.ALWAYS
    days = [datetime.fromisoformat(d).date() for d in item.get("holidays") or []]
    targets = {k: int(item[k]) for k in TARGETS if item.get(k)}
    warn = int(item.get("warn_before") or DEFAULT_WARN)
    return Policy(str(item["name"]), targets, calendar.with_holidays(days), warn)


def policies(items: Mapping[str, Any]) -> tuple[dict[str, Policy], str | None]:
    """The workspace's policies by name, and the default one's name (the first by name
    when two say they are)."""
    found = {n: policy(i) for n, i in sorted(items.items()) if isinstance(i, Mapping)}
    default = next((n for n, i in sorted(items.items()) if i and i.get("default")), None)
    return found, default


def facts(view: Mapping[str, Any]) -> Facts:
    """From a conversation's view (model/view.py). A status change is an activity line
    ``status``; an inbound message reopens a pending or closed one (as
    ``conversation.add_message`` does)."""
    inbound: list[str] = []
    replies: list[str] = []
    for m in view.get("messages") or []:
        if m.get("kind") in NOTICES or not m.get("created_at"):
            continue
        (inbound if m.get("direction") == "in" else replies).append(str(m["created_at"]))
    statuses: list[tuple[str, str]] = []
    now_status = "open"
    for a in view.get("activity") or []:
        action, at = a.get("action"), str(a.get("at") or "")
        if action == "status" and a.get("detail"):
            now_status = str(a["detail"])
        elif action == "message_in" and not a.get("detail") and now_status in ("pending", "closed"):
            now_status = "open"
        else:
            continue
        statuses.append((at, now_status))
    return Facts(
        str(view.get("created_at") or ""),
        tuple(sorted(inbound)),
        tuple(sorted(replies)),
        tuple(statuses),
        view.get("sla_policy"),
        view.get("status") == "spam",
    )


def facts_json(f: Facts) -> list[Any]:
    statuses = [list(s) for s in f.statuses]
    return [f.created, list(f.inbound), list(f.replies), statuses, f.policy, f.spam]


def facts_from_json(value: list[Any]) -> Facts:
    created, inbound, replies, statuses, name, spam = value
    changes = tuple((str(a), str(s)) for a, s in statuses)
    return Facts(created, tuple(inbound), tuple(replies), changes, name, bool(spam))


def chosen(f: Facts, found: Mapping[str, Policy], default: str | None) -> Policy | None:
    """The policy a rule set, else the default one; none for spam."""
    if f.spam:
        return None
    return found.get(f.policy or "") or (found.get(default) if default else None)


# -- the clocks -------------------------------------------------------------------------------

Running = list[tuple[datetime, datetime | None]]  # open stretches; None: still open


def running(f: Facts) -> Running:
    """The stretches the conversation was open, from its creation; the last one has no end
    when it is open still."""
    out: Running = []
    since: datetime | None = _at(f.created) if f.created else None
    for at, status in f.statuses:
        moment = _at(at)
        if status == "open":
            since = since or moment
        elif since is not None:
            if moment > since:
                out.append((since, moment))
            since = None
    if since is not None:
        out.append((since, None))
    return out


def deadline(
    start: datetime, budget: float, stretches: Running, calendar: hours.Hours
) -> tuple[datetime | None, float]:
    """When ``budget`` business seconds have run from ``start`` counting only the open
    stretches: (the instant, 0), or (None, the seconds still left) when the clock is
    paused before then."""
    left = float(budget)
    for a, b in stretches:
        if b is not None and b <= start:
            continue
        a = max(a, start)
        if b is None:
            return calendar.add(a, left), 0.0
        span = calendar.seconds_between(a, b)
        if left <= span:
            return calendar.add(a, left), 0.0
        left -= span
    return None, left


def elapsed(start: datetime, end: datetime, stretches: Running, calendar: hours.Hours) -> float:
    """Business seconds the clock ran between ``start`` and ``end``."""
    total = 0.0
    for a, b in stretches:
        lo, hi = max(a, start), end if b is None else min(b, end)
        if hi > lo:
            total += calendar.seconds_between(lo, hi)
    return total


def _starts(f: Facts) -> dict[str, tuple[str, str | None]]:
    """Each response target's start and the reply that answers it (None: unanswered)."""
    out: dict[str, tuple[str, str | None]] = {}
    if not f.inbound:
        return out
    first = f.inbound[0]
    out["first_response"] = (first, next((r for r in f.replies if r >= first), None))
    answered = [r for r in f.replies if r >= first]
    if answered:
        last = answered[-1]
        waiting = [i for i in f.inbound if i > last]
        if waiting:
            out["next_response"] = (waiting[0], None)
        elif len(answered) > 1:
            before = answered[-2]
            began = next((i for i in f.inbound if i > before), None)
            if began is not None and began <= last:
                out["next_response"] = (began, last)
    return out


def targets(f: Facts, p: Policy, now: datetime) -> list[Target]:
    """Each target the policy sets that has begun, in ``TARGETS`` order, as at ``now``."""
    stretches = running(f)
    closed = f.statuses[-1][0] if f.statuses and f.statuses[-1][1] == "closed" else None
    starts = _starts(f)
    if f.created:
        starts["resolution"] = (f.created, closed)
    out = []
    for name in TARGETS:
        if name not in p.targets or name not in starts:
            continue
        began, met = starts[name]
        met = met or closed
        due, left = deadline(_at(began), p.targets[name], stretches, p.hours)
        out.append(_judged(name, began, due, left, met, p, now))
    return out


def _judged(
    name: str,
    began: str,
    due: datetime | None,
    left: float,
    met: str | None,
    p: Policy,
    now: datetime,
) -> Target:
    due_iso = clock.to_iso(due) if due else None
    if met:
        late = due is not None and due < _at(met)
        return Target(name, began, due_iso, met, late, "met", None)
    if due is None:
        return Target(name, began, None, None, False, "paused", int(left))
    if now >= due:
        state = "breaching"
    elif now >= due - timedelta(seconds=p.warn_before):
        state = "warning"
    else:
        state = "due"
    return Target(name, began, due_iso, None, state == "breaching", state, None)


class Summary(NamedTuple):
    """What the index keeps of a conversation's clocks: none of it depends on now."""

    policy: str | None
    due_at: str | None  # the earliest due instant of a running target
    warn_at: str | None  # ... less the policy's warning
    done: str | None  # every begun target met: "met" all in time, "missed" one late


def summary(f: Facts, p: Policy | None) -> Summary:
    if p is None:
        return Summary(None, None, None, None)
    found = targets(f, p, _at(f.created) if f.created else _EPOCH)
    due = [t.due_at for t in found if t.met_at is None and t.due_at]
    if due:
        first = min(due)
        warn = clock.to_iso(_at(first) - timedelta(seconds=p.warn_before))
        return Summary(p.name, first, warn, None)
    if any(t.met_at is None for t in found) or not found:
        return Summary(p.name, None, None, None)
    return Summary(p.name, None, None, "missed" if any(t.breached for t in found) else "met")


def view_sla(view: Mapping[str, Any], items: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """``show``'s ``sla``: the policy, the most pressing state, the next due time, and each
    target (``docs/json.md``); {"policy": None} when no policy applies."""
    found, default = policies(items)
    f = facts(view)
    p = chosen(f, found, default)
    if p is None:
        return {"policy": None, "state": None, "due_at": None, "targets": []}
    each = targets(f, p, now)
    running_due = [t.due_at for t in each if t.met_at is None and t.due_at]
    states = [t.state for t in each]
    worst = next((s for s in STATES if s in states), None)
    return {
        "policy": p.name,
        "state": "missed" if worst == "met" and any(t.breached for t in each) else worst,
        "due_at": min(running_due) if running_due else None,
        "targets": [t._asdict() for t in each],
    }


def shown(view: Mapping[str, Any], items: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """What ``show`` adds to a view: ``sla`` whole, and ``sla_policy`` (the one that holds
    it: a rule's, else the default), ``sla_due_at`` and ``sla_state`` as ``list`` has them."""
    found = view_sla(view, items, now)
    due, state = found["due_at"], found["state"]
    return {"sla": found, "sla_policy": found["policy"], "sla_due_at": due, "sla_state": state}


def transitions(
    f: Facts, p: Policy, since: datetime, until: datetime
) -> list[tuple[str, str, str]]:
    """The warnings and breaches that fell in (since, until]: (event, target, at), with
    event ``sla.warning`` or ``sla.breached``, oldest first. A stream of events (``inbox
    watch``, notifications) asks this for each window it covers, so each is told once."""
    out = []
    for t in targets(f, p, until):
        if t.due_at is None:
            continue
        due = _at(t.due_at)
        end = min(until, _at(t.met_at)) if t.met_at else until
        warn = due - timedelta(seconds=p.warn_before)
        for event, at in (("sla.warning", warn), ("sla.breached", due)):
            if since < at <= end:
                out.append((event, t.target, clock.to_iso(at)))
    return sorted(out, key=lambda e: (e[2], e[0] == "sla.breached"))


def span(seconds: int, units: int = 1) -> str:
    """A span for people in its largest ``units`` whole units: "2d", "4h", "1h30m"."""
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and len(parts) < units:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
        elif parts:
            break
    return "".join(parts) or f"{seconds}s"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _at(iso: str) -> datetime:
    return clock.parse_iso(iso)
