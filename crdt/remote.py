"""What a replica exchanges with a relay: its unsent changes out, the relay's log in.

No network here (relay/client.py speaks to the relay); this module keeps the
replica's side of the bargain durable:

- ``outbox`` names every document changed here and not yet acknowledged, with a
  counter of local changes; an acknowledgement removes the entry only when no
  change came after the send it answers.
- ``synced`` keeps, per document, the state vector the relay reported when it
  last acknowledged us, so the next send is only what the relay lacks.
- ``meta.relay_cursor`` is the position in the relay's log up to which every
  entry has been applied here; it is written in the same transaction as those
  entries, so a crash between the two cannot skip or lose one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt import clock, index
from crdt.replica import Replica
from crdt.store import COMPACT_AFTER, Connection, Dictionary, newest_dictionary

if TYPE_CHECKING:
    from crdt.ydoc import Doc

CURSOR_KEY = "relay_cursor"
URL_KEY = "relay_url"


class Outgoing(NamedTuple):
    doc: str
    update: bytes
    changes: int  # the outbox counter when the update was made
    state: bytes  # the document's state vector then: what the relay should have after it


def cursor(replica: Replica) -> int:
    return int(replica.store.meta(CURSOR_KEY) or 0)


def pending(replica: Replica) -> dict[str, int]:
    """Documents with local changes the relay has not acknowledged, and their counters."""
    rows = replica.store.conn.execute("SELECT doc, changes FROM outbox ORDER BY doc")
    return {str(r[0]): int(r[1]) for r in rows}


def outgoing(replica: Replica, doc_name: str) -> Outgoing | None:
    """What the relay lacks of one document (None when it is not in the outbox)."""
    conn = replica.store.conn
    row = conn.execute("SELECT changes FROM outbox WHERE doc = ?", (doc_name,)).fetchone()
    if row is None:
        return None
    known = conn.execute("SELECT state FROM synced WHERE doc = ?", (doc_name,)).fetchone()
    doc, state = replica.load_doc(doc_name)
    since = bytes(known[0]) if known else None
    return Outgoing(doc_name, doc.get_update(since), int(row[0]), state)


def acknowledge(
    replica: Replica, doc_name: str, changes: int, relay_state: bytes, new_cursor: int | None
) -> None:
    """The relay holds the document at ``relay_state``; the outbox entry goes when no change
    was made here after the send (``changes`` -1: keep it, the relay lacks part of it).
    ``new_cursor``: the relay's log position, when everything before it was received."""
    with replica.store.write() as conn:
        conn.execute("DELETE FROM outbox WHERE doc = ? AND changes = ?", (doc_name, changes))
        conn.execute("INSERT OR REPLACE INTO synced VALUES (?, ?)", (doc_name, relay_state))
        if new_cursor is not None and new_cursor > cursor(replica):
            replica.store.set_meta(CURSOR_KEY, str(new_cursor))


BUILD_ABOVE = 64  # documents in one run of the log: more are built by worker processes
PART = 256  # documents per worker job
IN_FLIGHT = 8  # runs with the workers, not yet stored; the log waits beyond that


def group(updates: Iterable[tuple[str, bytes]]) -> dict[str, list[bytes]]:
    """A run of the log by document, each document's updates in log order."""
    by_doc: dict[str, list[bytes]] = {}
    for name, update in updates:
        by_doc.setdefault(name, []).append(update)
    return by_doc


def receive(replica: Replica, by_doc: dict[str, list[bytes]], new_cursor: int) -> int:
    """Apply a short run of the relay's log (changes as they happen) and move the cursor
    past it, atomically; each changed document's index row is rebuilt in the same
    transaction. Returns how many documents changed. Long runs go to a ``Builder``."""
    with replica.store.write() as conn:
        packing = newest_dictionary(conn, "view")
        built = [
            build(replica, name, replica.store.doc_updates(name), batch, packing=packing)
            for name, batch in by_doc.items()
        ]
        applied = commit(replica, built, set(pending(replica)))
        replica.store.set_meta(CURSOR_KEY, str(new_cursor))
    return applied


class Builder:
    """Builds long runs of the relay's log (a join, a return from days offline) in two
    worker processes while more of it arrives.

    Each worker builds its part of a run outside the write lock and stores it in one
    short transaction. The cursor moves past a run only once every part of it, and of
    every run before it, is stored: a crash at any point leaves the cursor before
    whatever was not, and the relay sends that again (applying an update twice changes
    nothing). While runs are with the workers, later ones go to them too, so the cursor
    never passes a run still being built.
    """

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self._workers = ExitStack()
        self._pool: Any = None
        self._runs: deque[tuple[int, list[Any]]] = deque()  # (cursor after it, its jobs)

    @property
    def busy(self) -> bool:
        return bool(self._runs)

    def add(self, by_doc: dict[str, list[bytes]], new_cursor: int) -> None:
        from crdt import workers

        if self._pool is None:
            self._pool = self._workers.enter_context(workers.pool(self.replica))
        items = list(by_doc.items())
        jobs = [
            self._pool.apply_async(workers.run, (store_built, items[i : i + PART]))
            for i in range(0, len(items), PART)
        ]
        self._runs.append((new_cursor, jobs))

    def reap(self, keep: int | None = None) -> None:
        """Move the cursor past the runs stored; with ``keep``, first wait until no more
        than that many are left with the workers."""
        moved = None
        while self._runs and (
            (keep is not None and len(self._runs) > keep)
            or all(job.ready() for job in self._runs[0][1])
        ):
            new_cursor, jobs = self._runs.popleft()
            for job in jobs:
                job.get()  # a worker's error is raised here
            moved = new_cursor
        if moved is not None:
            with self.replica.store.write():
                if moved > cursor(self.replica):
                    self.replica.store.set_meta(CURSOR_KEY, str(moved))
            self.replica.store.checkpoint()

    def settle(self) -> None:
        """Reap without waiting, and let the workers go once nothing is left with them."""
        if self._runs:
            self.reap()
        if not self._runs and self._pool is not None:
            self.close()

    def finish(self) -> None:
        try:
            self.reap(keep=0)
        finally:
            self.close()
        drain(self.replica)

    def close(self) -> None:
        self._runs.clear()
        self._workers.close()
        self._pool = None


def store_built(
    replica: Replica,
    items: list[tuple[str, list[bytes]]],
    then: Callable[[Connection], object] | None = None,
) -> int:
    """Build documents outside the write lock (the CPU part, beside the other worker),
    then store them in one short transaction, with ``then``; a document that changed
    meanwhile is built again inside it. Returns how many documents were stored."""
    names = [name for name, _ in items]
    seen = replica.store.fingerprints(names)
    packing = newest_dictionary(replica.store.conn, "view")
    built = [
        build(replica, name, _stored(replica, name, seen), batch, True, packing)
        for name, batch in items
    ]
    with replica.store.write() as conn:
        unsent = set(pending(replica))
        now = replica.store.fingerprints(names)
        built = [
            build(replica, name, replica.store.doc_updates(name), batch, True, packing)
            if now.get(name) != seen.get(name)
            else done
            for (name, batch), done in zip(items, built, strict=True)
        ]
        commit(replica, built, unsent)
        if then is not None:
            then(conn)
    return len(items)


def _stored(replica: Replica, name: str, seen: dict[str, tuple[int, int]]) -> list[bytes]:
    return replica.store.doc_updates(name) if name in seen else []


def drain(replica: Replica) -> int:
    """Store what a sync of an earlier version staged and did not build (replicas of
    schema 4 kept long runs of the log in ``staged`` before building them)."""
    conn = replica.store.conn
    rows = conn.execute("SELECT seq, doc, data FROM staged ORDER BY seq").fetchall()
    if not rows:
        return 0
    last = int(rows[-1][0])
    items = group((str(r[1]), bytes(r[2])) for r in rows)
    return store_built(
        replica,
        list(items.items()),
        lambda c: c.execute("DELETE FROM staged WHERE seq <= ?", (last,)),
    )


class Built(NamedTuple):
    """One document with the relay's updates applied, and what to store of it."""

    name: str
    updates: list[bytes]  # logged as they came (see ``commit``)
    state: bytes
    snapshot: bytes | None  # the whole document, when its log is due for compaction
    changed: bool
    rows: index.Rows | None  # a conversation's index rows, when it changed
    items: dict[str, Any] | None  # a workspace document's items, when it changed
    lost: str | None  # the notice for a claim made here that lost


def build(
    replica: Replica,
    name: str,
    stored: list[bytes],
    batch: list[bytes],
    bulk: bool = False,
    packing: Dictionary | None = None,
) -> Built:
    """The CPU part of applying updates: no database access. ``bulk``: in a worker;
    ``packing``: the replica's view dictionary."""
    from crdt import view, workspace, ydoc

    doc = ydoc.load(stored)
    before = doc.get_state() if stored else ydoc.EMPTY_STATE  # a new one holds nothing
    held = bool(stored) and _holds(replica, doc, name)
    for update in batch:
        doc.apply_update(update)
    lost = _lost(doc) if held and not _holds(replica, doc, name) else None
    state = doc.get_state()
    changed = state != before
    due = len(stored) + len(batch) > COMPACT_AFTER
    built_view = view.build(doc, bulk) if changed and name.startswith("c:") else None
    items = workspace.items(doc) if changed and name.startswith("ws:") else None
    rows = None
    if built_view is not None and built_view["id"] is not None:
        rows = index.rows(built_view, index.pack_view(built_view, bulk, packing))
    snapshot = doc.get_update() if due else None
    return Built(name, batch, state, snapshot, changed, rows, items, lost)


def commit(replica: Replica, built: list[Built], unsent: set[str]) -> int:
    """Store what ``build`` made, inside the caller's transaction; ``unsent``: documents
    with local changes the relay lacks. Returns how many documents changed.

    The updates are logged as they came rather than as the difference they made: an
    update whose dependencies have not arrived yet changes nothing now, and logging
    only the difference would lose it; replayed later, it applies (ydoc.load).
    """
    conn = replica.store.conn
    at = clock.now_iso()
    conn.executemany(
        "INSERT INTO notices(text, at) VALUES (?, ?)", [(b.lost, at) for b in built if b.lost]
    )
    conn.executemany(  # everything here is now what the relay has
        "INSERT OR REPLACE INTO synced VALUES (?, ?)",
        [(b.name, b.state) for b in built if b.name not in unsent],
    )
    replica.store.append_all([(b.name, u) for b in built for u in b.updates])
    for b in built:
        if b.snapshot is not None:
            replica.store.put_snapshot(b.name, b.snapshot)
        if b.items is not None:
            index.write_workspace(conn, b.name[3:], b.items)
    index.write_conversations(conn, [b.rows for b in built if b.rows is not None])
    return sum(b.changed for b in built)


def _holds(replica: Replica, doc: Doc, name: str) -> bool:
    if not name.startswith("c:"):
        return False
    from crdt import conversation

    return conversation.ownership(doc).owner == replica.agent


def _lost(doc: Doc) -> str:
    """A claim made here that another agent's claim beat at the relay: said at the next
    command (the agent may have started working on it offline)."""
    from crdt import conversation

    owner = conversation.ownership(doc).owner
    ident = str(doc.map("meta").get("id") or "")
    who = owner.split("@")[0] if owner else "nobody"
    return f"your claim on {ident[:8]} lost: {who} got there first"


def take_notices(replica: Replica) -> list[str]:
    """News for the agent, once: shown on stderr by the next command."""
    conn = replica.store.conn
    rows = conn.execute("SELECT seq, text FROM notices ORDER BY seq").fetchall()
    if rows:
        with replica.store.write():
            conn.execute("DELETE FROM notices WHERE seq <= ?", (rows[-1][0],))
    return [str(r[1]) for r in rows]
