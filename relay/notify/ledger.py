"""The notifiers and the delivery ledger in the relay's store.

Each event a notifier wants is one row (event id, notifier) written before the
notifier's replica stores the change that brought it (``INSERT OR IGNORE``: derived
again after a crash, it is not written twice). A row is ``pending`` until delivered
(``sent``), ``retrying`` after a failure that may pass (with when to try again), or
``failed`` when no retry will mend it or the attempts are spent; the receiver's last
answer is kept for `inbox notify list`.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from crdt.model.events import Event
from crdt.model.ids import derived_id
from relay.notify.targets import Notifier
from relay.store import RelayStore

COLUMNS = "id, kind, url, url_file, secret_file, events, created_at"


class Delivery(NamedTuple):
    event: str
    notifier: str
    kind: str
    body: str  # the event as JSON
    attempts: int


def put(store: RelayStore, n: Notifier) -> bool:
    """Add a notifier, or change the kinds and secret of the one there; True when new."""
    with store.write():
        found = store.conn.execute("SELECT 1 FROM notifiers WHERE id = ?", (n.id,)).fetchone()
        store.conn.execute(
            "INSERT OR REPLACE INTO notifiers VALUES (?, ?, ?, ?, ?, ?, ?)",
            (n.id, n.kind, n.url, n.url_file, n.secret_file, json.dumps(n.events), n.created_at),
        )
    return found is None


def notifier_id(kind: str, where: str) -> str:
    """A notifier's id, from what it posts to: adding the same one again changes it."""
    return derived_id("notifier", kind, where)[:12]


def notifiers(store: RelayStore) -> list[Notifier]:
    rows = store.conn.execute(f"SELECT {COLUMNS} FROM notifiers ORDER BY created_at, id")
    return [Notifier.of_row(r) for r in rows]


def remove(store: RelayStore, ids: list[str]) -> int:
    with store.write():
        for ident in ids:
            store.conn.execute("DELETE FROM notifiers WHERE id = ?", (ident,))
            store.conn.execute(
                "DELETE FROM notifications WHERE notifier = ? AND state IN ('pending', 'retrying')",
                (ident,),
            )
    return len(ids)


def enqueue(store: RelayStore, found: list[Event], at: str) -> int:
    """Each event once for each notifier that wants its kind; returns the rows new."""
    targets = notifiers(store)
    rows = [
        (e["id"], n.id, e["event"], json.dumps(e, ensure_ascii=False, sort_keys=True), at, at)
        for e in found
        for n in targets
        if n.wants(e["event"])
    ]
    if not rows:
        return 0
    with store.write():
        before = store.conn.total_changes
        store.conn.executemany(
            "INSERT OR IGNORE INTO notifications(event, notifier, kind, body, next_at, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        return int(store.conn.total_changes - before)


def due(store: RelayStore, now: str, limit: int = 50) -> list[Delivery]:
    rows = store.conn.execute(
        "SELECT event, notifier, kind, body, attempts FROM notifications "
        "WHERE state IN ('pending', 'retrying') AND next_at <= ? ORDER BY next_at, at LIMIT ?",
        (now, limit),
    )
    return [Delivery(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]


def mark(
    store: RelayStore,
    d: Delivery,
    state: str,
    answer: str | None,
    at: str,
    next_at: str | None = None,
) -> None:
    with store.write():
        store.conn.execute(
            "UPDATE notifications SET state = ?, attempts = attempts + 1, answer = ?, "
            "next_at = coalesce(?, next_at), sent_at = CASE WHEN ? = 'sent' THEN ? END "
            "WHERE event = ? AND notifier = ?",
            (state, answer, next_at, state, at, d.event, d.notifier),
        )


def counts(store: RelayStore) -> dict[str, dict[str, Any]]:
    """Per notifier: how many deliveries are in each state, and the last answer."""
    out: dict[str, dict[str, Any]] = {}
    for r in store.conn.execute(
        "SELECT notifier, state, count(*) FROM notifications GROUP BY notifier, state"
    ):
        out.setdefault(str(r[0]), {})[str(r[1])] = int(r[2])
    return out
