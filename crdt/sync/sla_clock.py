"""The SLA warnings and breaches that time brings, for a stream of events to tell.

A conversation's clocks pass their warning and due instants with nothing written, so
no change carries these events: a stream (``inbox watch``, the relay's notifier) asks
``SlaClock.passed`` now and then (each second) for the transitions that fell since it
last asked (``sla.transitions`` over that window), each as ``events.sla_event`` makes it
(its id from the conversation, policy, target and due time: told again, it is dropped by
id).

Each look works from what the index holds at that moment: a reply that met the target,
or a policy changed meanwhile, moves the due time or ends the clock before the look, so
no stale breach is told. Every transition of a conversation falls at or after its
earliest running due time (the index's ``sla_due``) less the policy's warning, so the
candidates are the rows due by now plus the largest warning. The first look (and the
first after the policies change) reads them all along ``conversations_sla``; each is
remembered with its facts and the instant of its next transition. A later look reads
only what moved: the rows written since the last look (``index_changes``), those that
came within the window since, and those whose next transition has come (a heap). So a
workspace with thousands of conversations overdue costs a look nothing in between.
"""

from __future__ import annotations

import heapq
import json
from datetime import UTC, datetime, timedelta

from crdt.errors import NotFoundError, UnbuiltError
from crdt.model import clock, events
from crdt.store import queries
from crdt.store.sqlite import Connection
from crdt.workflow import sla

AHEAD = timedelta(days=400)  # how far ahead a conversation's next transition is looked for
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Transition = tuple[str, str, str]  # event, target, at


class SlaClock:
    """The transitions of one replica's clocks, each window (since, now] once."""

    def __init__(self, since: str) -> None:
        self.since = since
        self._items: str | None = None  # the policies' text the remembered rows are of
        self._policies: tuple[dict[str, sla.Policy], str | None] = ({}, None)
        self._next: dict[str, tuple[str, str | None]] = {}  # id -> (facts, next transition)
        self._due: list[tuple[str, str]] = []  # (next transition, id); stale ones skipped
        self._seq = 0  # the index's change number at the last look
        self._until = ""  # the far end of the last look's window

    def passed(self, conn: Connection, now: str) -> list[events.Event]:
        """The warnings and breaches that fell after ``since`` and by ``now``; ``since``
        moves to ``now``."""
        if now <= self.since:
            return []
        seq = queries.change_number(conn)  # before the rows: a write after is seen next time
        fresh = self._read_policies(conn)
        found, _ = self._policies
        if not found:
            self.since, self._seq, self._until = now, seq, ""
            return []
        warn = max(p.warn_before for p in found.values())
        until = clock.to_iso(clock.parse_iso(now) + timedelta(seconds=warn))
        if fresh or not self._until:
            self._next, self._due = {}, []
            rows = queries.sla_running(conn, until)
        else:
            rows = queries.sla_since(conn, self._seq, self._until, until)
            rows += queries.sla_of(conn, self._come(now, {r[0] for r in rows}))
        out: list[events.Event] = []
        for ident, facts, due in rows:
            out += self._look(conn, ident, facts, due, now, until)
        self.since, self._seq, self._until = now, seq, until
        return sorted(out, key=lambda e: (e["at"], e["id"]))

    def _read_policies(self, conn: Connection) -> bool:
        """The workspace's policies, read again; True when they changed."""
        items = queries.sla_items(conn)
        if items == self._items:
            return False
        self._items, self._policies = items, sla.policies(json.loads(items))
        return True

    def _come(self, now: str, besides: set[str]) -> list[str]:
        """The remembered conversations whose next transition is by ``now``."""
        ids = []
        while self._due and self._due[0][0] <= now:
            at, ident = heapq.heappop(self._due)
            kept = self._next.get(ident)
            if kept is not None and kept[1] == at and ident not in besides:
                ids.append(ident)
        return ids

    def _look(
        self, conn: Connection, ident: str, facts: str | None, due: str | None, now: str, until: str
    ) -> list[events.Event]:
        """One candidate: what fell in the window, and when to look at it again."""
        if facts is None or due is None or due > until:  # its clocks stopped, or not yet near
            self._next.pop(ident, None)
            return []
        kept = self._next.get(ident)
        if kept is not None and kept[0] == facts and (kept[1] is None or kept[1] > now):
            return []
        f = sla.facts_from_json(json.loads(facts))
        p = sla.chosen(f, *self._policies)
        if p is None:
            self._next[ident] = (facts, None)
            return []
        every = sla.transitions(f, p, EPOCH, clock.parse_iso(now) + AHEAD)  # the clocks once
        fell = [t for t in every if self.since < t[2] <= now]
        upcoming = next((t[2] for t in every if t[2] > now), None)
        self._next[ident] = (facts, upcoming)
        if upcoming is not None:
            heapq.heappush(self._due, (upcoming, ident))
        return self._events(conn, ident, p, fell)

    def _events(
        self, conn: Connection, ident: str, p: sla.Policy, fell: list[Transition]
    ) -> list[events.Event]:
        if not fell:
            return []
        try:
            view = queries.view(conn, ident)
        except (NotFoundError, UnbuiltError):
            return []
        out = []
        for kind, target, at in fell:
            due_at = at if kind == events.SLA_BREACHED else _plus(at, p.warn_before)
            out.append(events.sla_event(view, kind, p.name, target, due_at, at))
        return out


def _plus(iso: str, seconds: int) -> str:
    return clock.to_iso(clock.parse_iso(iso) + timedelta(seconds=seconds))
