"""`inbox watch`: the replica kept in step as `sync --watch` keeps it, telling each
event as the change that brings it arrives (``crdt/sync/observe.py``), and each SLA
warning and breach as its time passes (``crdt/sync/sla_clock.py``)."""

from __future__ import annotations

from collections.abc import Callable

from crdt.model import clock
from crdt.model.events import Event
from crdt.replica import Replica
from crdt.sync.observe import Stream
from relay.client import link
from relay.client.address import Relay
from relay.client.tokens import kept_token

Tell = Callable[[list[Event]], None]


def watch(replica: Replica, say: Callable[[str], None], tell: Tell) -> None:
    """Until interrupted: ``tell`` gets what each run of the relay's log and each change
    made here by another command bring, and the SLA transitions as they fall, each event
    once."""
    relay = Relay.of(replica)  # a replica with no relay: said before anything starts
    stream = Stream(replica, clock.now_iso())
    say("watching; Ctrl-C stops (this keeps the replica in step, as sync --watch does)")
    link.watch(
        replica,
        relay,
        kept_token(replica.home),
        say,
        on_run=lambda run: tell(stream.of_run(run)),
        on_local=lambda names: tell(stream.of_local(names)),
        on_tick=lambda: tell(stream.of_time(clock.now_iso())),
    )
