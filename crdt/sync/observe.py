"""The events a run of the relay's log brings to a replica, before it is stored.

A watcher (``inbox watch``, the relay's notifier) is told what a run changes while the
replica still holds the state before it: each conversation of the run is built once as
it will be (its stored updates and the run's, in memory) and its events compared with
the view the index holds now (``events.fresh``). The caller tells the events first and
stores the run after, so a watcher stopped in between derives the same events again
when the relay sends the run again (at least once, with the same ids).
"""

from __future__ import annotations

from typing import Any

from crdt.errors import BadUpdateError, NotFoundError, UnbuiltError
from crdt.model import events
from crdt.model.vocab import CONVERSATION_PREFIX
from crdt.replica import Replica
from crdt.store import queries
from crdt.sync.sla_clock import SlaClock

Run = dict[str, list[bytes]]  # document name -> its updates, in log order (builder.Run)


def stored_view(replica: Replica, conversation_id: str) -> dict[str, Any] | None:
    """The view the index holds now; None for a conversation this replica has not built."""
    try:
        return queries.view(replica.store.conn, conversation_id)
    except (NotFoundError, UnbuiltError):
        return None


def run_events(replica: Replica, run: Run) -> list[events.Event]:
    """The events ``run`` brings to ``replica``, in time order."""
    from crdt.model import view, ydoc

    found: list[events.Event] = []
    for name, batch in run.items():
        if not name.startswith(CONVERSATION_PREFIX):
            continue
        doc = ydoc.load(replica.store.doc_updates(name))
        for update in batch:
            try:
                doc.apply_update(update)
            except BadUpdateError:  # the builder skips it too, and says so
                continue
        after = view.build(doc)
        if after.get("id") is None:
            continue
        found += events.fresh(stored_view(replica, str(after["id"])), after)
    return sorted(found, key=lambda e: (e["at"], e["id"]))


class Stream:
    """The live events of one replica, each told once by this process: what each run of
    the relay's log brings (``of_run``) and what other commands changed here
    (``of_local``).

    A run is compared with the view the index holds before it is stored. Another
    process on the same replica (`inbox sync --watch`) may store the same run first, so
    the events stamped since this stream began are taken from the view as well; and a
    change made here, whose state before is gone once it is written, is told by those
    alone (its time is this machine's clock, the stream's too). Ids already told are
    remembered (the last ``REMEMBER``), so nothing is told twice. What time brings with
    no change (SLA warnings and breaches) is asked for with ``of_time``.
    """

    REMEMBER = 100_000

    def __init__(self, replica: Replica, since: str) -> None:
        self.replica, self.since = replica, since
        self._told: dict[str, None] = {}  # insertion-ordered: the oldest go first
        self.clocks = SlaClock(since)

    def of_run(self, run: Run) -> list[events.Event]:
        found = run_events(self.replica, run)
        for name in run:
            if name.startswith(CONVERSATION_PREFIX):
                found += self._recent(name[len(CONVERSATION_PREFIX) :])
        return self._new(found)

    def of_local(self, names: list[str]) -> list[events.Event]:
        found: list[events.Event] = []
        for name in names:
            if name.startswith(CONVERSATION_PREFIX):
                view = stored_view(self.replica, name[len(CONVERSATION_PREFIX) :])
                if view is not None:
                    found += [e for e in events.of_view(view) if e["at"] >= self.since]
        return self._new(found)

    def of_time(self, now: str) -> list[events.Event]:
        """The SLA warnings and breaches that fell since the last look, by ``now``."""
        return self._new(self.clocks.passed(self.replica.store.conn, now))

    def _recent(self, conversation_id: str) -> list[events.Event]:
        """Events since the stream began that the index holds already (stored by
        another process before ``run_events`` looked)."""
        view = stored_view(self.replica, conversation_id)
        if view is None:
            return []
        return [e for e in events.of_view(view) if e["at"] >= self.since]

    def _new(self, found: list[events.Event]) -> list[events.Event]:
        out = []
        for e in sorted(found, key=lambda e: (e["at"], e["id"])):
            if e["id"] in self._told:
                continue
            self._told[e["id"]] = None
            out.append(e)
        while len(self._told) > self.REMEMBER:
            del self._told[next(iter(self._told))]
        return out
