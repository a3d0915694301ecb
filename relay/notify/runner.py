"""The notifier's process: a headless peer beside the relay that tells each event once.

Its own replica beside the store (``relay.db`` -> ``relay.notifier/``), with a viewer's
token the store made for it: it reads the workspace and writes nothing. Kept in step
by ``link.watch``, it is told each run of the relay's log before storing it
(``observe.run_events``), and writes the events its notifiers want into the ledger
first: a notifier killed between the two is sent the run again and derives the same
events, which the ledger takes once. A second thread delivers what the ledger holds,
retrying with backoff. Its first start takes the workspace as it is without telling
its history (only what happens from then on is news).

SLA warnings and breaches come with no change: each second (``link.TICK``) the
notifier asks its replica's clocks what fell since it last asked
(``crdt/sync/sla_clock.py``), writes those into the ledger, and then keeps how far it
has looked in its replica (``SLA_SINCE``), so a notifier stopped (or a relay restarted)
tells what fell while it was down when it starts again; a window looked at twice gives
the same event ids, which the ledger takes once.

Its own process and replica rather than a thread of the mail gateway: the gateway's
own imports reach its replica without passing through the relay's log, so their
state before would be gone when the notifier looked; and notifications then work
for a workspace with no mailbox, and a slow receiver never delays mail.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from crdt.errors import InboxError
from crdt.model import clock
from crdt.model.vocab import VIEWER
from crdt.replica import Replica
from crdt.store import home as homes
from crdt.sync import observe
from crdt.sync.sla_clock import SlaClock
from relay.client import link
from relay.client.address import Relay
from relay.client.tokens import kept_token
from relay.gateway import peer
from relay.notify import deliver, ledger
from relay.notify.targets import Notifier
from relay.store import RelayStore

AGENT = "notifier@inbox.invalid"
SUFFIX = ".notifier"
SEND_POLL = 0.2  # seconds between looks at the ledger
SLA_SINCE = "notifier_sla_since"  # replica meta: where the SLA clocks' last look ended
SLA_KEEP = 60.0  # seconds between writes of SLA_SINCE when nothing fell
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 600.0  # seconds before a retry: doubling, half jitter
ATTEMPTS = 12  # then the delivery is failed (about 1.5 hours of trying)

Say = Callable[[str], None]


def home_of(store_path: Path) -> Path:
    return peer.home_of(store_path, SUFFIX)


def run(store_path: Path, relay_url: str, say: Say) -> None:
    """Tell every event the store's notifiers want until interrupted."""
    home = home_of(store_path)
    with peer.held(home, "notifier"):
        first = not homes.replica_path(home).exists()
        replica = peer.open_peer(store_path, relay_url, home, AGENT, VIEWER, "Notifier")
        relay, token = Relay(relay_url), kept_token(home)
        try:
            clocks = SlaClock((None if first else replica.store.meta(SLA_SINCE)) or clock.now_iso())
            if first:  # the workspace as it is: its history is not news
                link.sync_once(replica, relay, token)
            threading.Thread(target=send_loop, args=(store_path, say), daemon=True).start()
            with RelayStore.open(store_path) as store:
                link.watch(
                    replica,
                    relay,
                    token,
                    say,
                    on_run=_recorder(replica, store),
                    on_tick=_ticker(replica, store, clocks),
                )
        finally:
            replica.close()


def _recorder(replica: Replica, store: RelayStore) -> link.OnRun:
    def record(run: observe.Run) -> None:
        found = observe.run_events(replica, run)
        if found:
            ledger.enqueue(store, found, clock.now_iso())

    return record


def _ticker(replica: Replica, store: RelayStore, clocks: SlaClock) -> link.OnTick:
    """The SLA transitions that fell since the last look into the ledger, then how far
    the clocks have looked kept (each time something fell, else every ``SLA_KEEP``)."""
    kept = time.monotonic()

    def tick() -> None:
        nonlocal kept
        now = clock.now_iso()
        found = clocks.passed(replica.store.conn, now)
        if found:
            ledger.enqueue(store, found, now)
        if found or time.monotonic() - kept >= SLA_KEEP:
            with replica.store.write():
                replica.store.set_meta(SLA_SINCE, clocks.since)
            kept = time.monotonic()

    return tick


def send_loop(store_path: Path, say: Say, stop: threading.Event | None = None) -> None:
    """Deliver what is due, for ever (or until ``stop``)."""
    with RelayStore.open(store_path) as store:
        while stop is None or not stop.is_set():
            due = ledger.due(store, clock.now_iso())
            if due:
                targets = {n.id: n for n in ledger.notifiers(store)}
                for d in due:
                    send(store, d, targets.get(d.notifier), say)
            else:
                time.sleep(SEND_POLL)


def send(store: RelayStore, d: ledger.Delivery, n: Notifier | None, say: Say) -> None:
    """One attempt at one delivery, and its outcome in the ledger."""
    if n is None:  # removed meanwhile
        ledger.mark(store, d, "failed", "the notifier was removed", clock.now_iso())
        return
    event = json.loads(d.body)
    try:
        url, secret = n.endpoint(), n.secret()
    except InboxError as exc:  # a file that may be put right: tried again
        answer = deliver.Answer(False, True, exc.message)
    else:
        body = deliver.body_of(n.kind, event)
        answer = deliver.post(url, body, deliver.headers(event, body, secret, int(time.time())))
    now = clock.now()
    if answer.ok:
        ledger.mark(store, d, "sent", answer.text, clock.to_iso(now))
    elif answer.temporary and d.attempts + 1 < ATTEMPTS:
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2**d.attempts) * random.uniform(0.5, 1.0)
        again = clock.to_iso(now + timedelta(seconds=delay))
        ledger.mark(store, d, "retrying", answer.text, clock.to_iso(now), again)
        say(f"{n.kind} {n.id}: {answer.text}; retry {d.attempts + 1} in {delay:.0f}s")
    else:
        ledger.mark(store, d, "failed", answer.text, clock.to_iso(now))
        say(f"{n.kind} {n.id}: {answer.text}; given up on event {d.event}")
