"""The SLA warnings and breaches that time brings, for a stream of events to tell.

A conversation's clocks pass their warning and due instants with nothing written, so
no change carries these events: a stream (``inbox watch``, the relay's notifier) asks
``SlaClock.passed`` now and then (``TICK``) for the transitions that fell since it last
asked (``sla.transitions`` over that window), each as ``events.sla_event`` makes it
(its id from the conversation, policy, target and due time: told again, it is dropped
by id).

Each look is computed from what the index holds at that moment: a reply that met the
target, or a policy changed meanwhile, moves the due time or ends the clock before the
look, so no stale breach is told. The candidates are read along the index's next due
instant (``queries.sla_running``): every transition of a conversation falls at or after
its earliest running due time less the policy's warning. A conversation past due stays a
candidate until its clocks stop, so each is remembered with its facts and its next
transition, and computed again only when either has moved.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from crdt.errors import NotFoundError, UnbuiltError
from crdt.model import clock, events
from crdt.store import queries
from crdt.store.sqlite import Connection
from crdt.workflow import sla

TICK = 1.0  # seconds between looks
AHEAD = timedelta(days=400)  # how far ahead a conversation's next transition is looked for


class SlaClock:
    """The transitions of one replica's clocks, each window (since, now] once."""

    def __init__(self, since: str) -> None:
        self.since = since
        self._items: str | None = None
        self._policies: tuple[dict[str, sla.Policy], str | None] = ({}, None)
        self._next: dict[str, tuple[str, str | None]] = {}  # id -> (facts, next transition)

    def passed(self, conn: Connection, now: str) -> list[events.Event]:
        """The warnings and breaches that fell after ``since`` and by ``now``; ``since``
        moves to ``now``."""
        if now <= self.since:
            return []
        self._read_policies(conn)
        found, _ = self._policies
        if not found:
            self.since = now
            return []
        warn = max(p.warn_before for p in found.values())
        until = clock.to_iso(clock.parse_iso(now) + timedelta(seconds=warn))
        out: list[events.Event] = []
        kept: dict[str, tuple[str, str | None]] = {}  # the candidates of this look only
        for ident, facts in queries.sla_running(conn, until):
            known = self._next.get(ident)
            if known is not None and known[0] == facts and (known[1] is None or known[1] > now):
                kept[ident] = known
                continue
            fell, upcoming = self._transitions(facts, self.since, now)
            kept[ident] = (facts, upcoming)
            out += self._events(conn, ident, facts, fell)
        self._next = kept
        self.since = now
        return sorted(out, key=lambda e: (e["at"], e["id"]))

    def _read_policies(self, conn: Connection) -> None:
        items = queries.sla_items(conn)
        if items != self._items:  # changed: every conversation is computed again
            self._items, self._next = items, {}
            self._policies = sla.policies(json.loads(items))

    def _transitions(
        self, facts: str, since: str, now: str
    ) -> tuple[list[tuple[str, str, str]], str | None]:
        """What fell in (since, now], and the instant of the next transition after now."""
        f = sla.facts_from_json(json.loads(facts))
        p = sla.chosen(f, *self._policies)
        if p is None:
            return [], None
        at = clock.parse_iso(now)
        fell = sla.transitions(f, p, clock.parse_iso(since), at)
        later = sla.transitions(f, p, at, at + AHEAD)
        return fell, later[0][2] if later else None

    def _events(
        self, conn: Connection, ident: str, facts: str, fell: list[tuple[str, str, str]]
    ) -> list[events.Event]:
        if not fell:
            return []
        try:
            view = queries.view(conn, ident)
        except (NotFoundError, UnbuiltError):
            return []
        f = sla.facts_from_json(json.loads(facts))
        p = sla.chosen(f, *self._policies)
        assert p is not None  # it gave the transitions
        out = []
        for kind, target, at in fell:
            due = at if kind == events.SLA_BREACHED else _plus(at, p.warn_before)
            out.append(events.sla_event(view, kind, p.name, target, due, at))
        return out


def _plus(iso: str, seconds: int) -> str:
    moment: datetime = clock.parse_iso(iso) + timedelta(seconds=seconds)
    return clock.to_iso(moment)
