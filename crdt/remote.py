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

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt import clock, index
from crdt.replica import Replica
from crdt.store import COMPACT_AFTER, Connection

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


STAGE_ABOVE = 64  # documents in one run of the log: more are staged and built in parallel
DRAIN_RUN = 256  # documents per transaction of a drain


class Received(NamedTuple):
    applied: int  # documents applied (and their index rows rebuilt) at once
    staged: list[str]  # documents staged for the workers


def receive(replica: Replica, updates: Iterable[tuple[str, bytes]], new_cursor: int) -> Received:
    """Take a run of the relay's log and move the cursor past it, atomically.

    A short run (changes as they happen) is applied at once: each document's index row
    is rebuilt in the same transaction. A long one (a join, a return from days offline)
    is staged as it arrives and built by worker processes (``Builder``, ``drain``); a
    document with staged updates gets later ones staged too, so they apply in order.
    """
    by_doc: dict[str, list[bytes]] = {}
    for name, update in updates:
        by_doc.setdefault(name, []).append(update)
    applied, staged_now = 0, []
    with replica.store.write() as conn:
        if len(by_doc) > STAGE_ABOVE:
            _stage(conn, by_doc)
            staged_now = list(by_doc)
        else:
            unsent = set(pending(replica))
            for name, batch in by_doc.items():
                if conn.execute("SELECT 1 FROM staged WHERE doc = ?", (name,)).fetchone():
                    _stage(conn, {name: batch})
                    staged_now.append(name)
                else:
                    applied += apply(replica, name, batch, name in unsent)
        replica.store.set_meta(CURSOR_KEY, str(new_cursor))
    return Received(applied, staged_now)


class Builder:
    """Builds staged documents in two worker processes while more of the log arrives, so
    a join receives and builds at once. ``finish`` waits, then drains what is left (a
    document staged again after its run was read)."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self._pool: Any = None
        self._first: Any = None  # set while this process writes: workers wait to begin
        self._jobs: list[Any] = []
        self._total = 0

    def add(self, names: list[str]) -> None:
        if not names:
            return
        from crdt import workers

        if self._pool is None:
            self._first = workers.event()
            self._pool = workers.pool(self.replica, 2, self._first)
        for i in range(0, len(names), DRAIN_RUN):
            run = names[i : i + DRAIN_RUN]
            self._jobs.append(self._pool.apply_async(workers.run, (_drain_run, run)))
            self._total += len(run)

    @contextmanager
    def first(self) -> Iterator[None]:
        """Write before the workers: SQLite's busy wait is not fair, and two workers taking
        turns at the lock can starve the process that reads the socket until the relay
        gives up on it."""
        if self._first is None:
            yield
            return
        self._first.set()
        try:
            yield
        finally:
            self._first.clear()

    def finish(self, progress: Callable[[int, int], None] | None = None) -> None:
        built = 0
        try:
            for job in self._jobs:
                built += job.get()
                if progress:
                    progress(built, self._total)
        finally:
            if self._pool is not None:
                self._pool.close()
                self._pool.join()
            self._pool, self._jobs, self._total = None, [], 0
        drain(self.replica, progress)


def _stage(conn: Connection, by_doc: dict[str, list[bytes]]) -> None:
    conn.executemany(
        "INSERT INTO staged(doc, data) VALUES (?, ?)",
        [(name, u) for name, batch in by_doc.items() for u in batch],
    )


def staged(replica: Replica) -> list[str]:
    rows = replica.store.conn.execute("SELECT DISTINCT doc FROM staged ORDER BY doc")
    return [str(r[0]) for r in rows]


def drain(replica: Replica, progress: Callable[[int, int], None] | None = None) -> int:
    """Apply every staged update: runs of documents, each run read, built and written by
    one of two worker processes (as an import's queue is drained, import_queue.py)."""
    from functools import partial

    from crdt import workers

    names = staged(replica)
    runs = [names[i : i + DRAIN_RUN] for i in range(0, len(names), DRAIN_RUN)]
    if len(runs) <= 1:
        return _drain_run(replica, names) if names else 0
    done = 0
    with workers.pool(replica) as pool:
        for count in pool.imap_unordered(partial(workers.run, _drain_run), runs):
            done += count
            if progress:
                progress(done, len(names))
    return done


def _drain_run(replica: Replica, names: list[str]) -> int:
    """Build a run of staged documents outside the write lock (the CPU part, in parallel
    with the other worker), then write them in one short transaction; a document that
    changed meanwhile is built again inside it."""
    conn = replica.store.conn
    jobs: list[tuple[str, list[Any], tuple[int, int], Built]] = []
    for name in names:
        rows = conn.execute(
            "SELECT seq, data FROM staged WHERE doc = ? ORDER BY seq", (name,)
        ).fetchall()
        if rows:  # else built already, by a run that read it first
            seen = replica.store.fingerprint(name)
            built = build(replica, name, replica.store.doc_updates(name), _data(rows))
            jobs.append((name, rows, seen, built))
    with replica.store.write() as conn:
        unsent = set(pending(replica))
        for name, rows, seen, built in jobs:
            now = conn.execute(
                "SELECT seq, data FROM staged WHERE doc = ? ORDER BY seq", (name,)
            ).fetchall()
            if replica.store.fingerprint(name) != seen or now != rows:
                built = build(replica, name, replica.store.doc_updates(name), _data(now))
                rows = now
            if rows:
                commit(replica, built, name in unsent)
                conn.execute("DELETE FROM staged WHERE doc = ? AND seq <= ?", (name, rows[-1][0]))
    return len(names)


def _data(rows: list[Any]) -> list[bytes]:
    return [bytes(r[1]) for r in rows]


class Built(NamedTuple):
    """One document with the relay's updates applied, and what to store of it."""

    name: str
    updates: list[bytes]  # logged as they came (see ``apply``)
    state: bytes
    snapshot: bytes | None  # the whole document, when its log is due for compaction
    changed: bool
    view: dict[str, Any] | None  # a conversation's view, when it changed
    items: dict[str, Any] | None  # a workspace document's items, when it changed
    lost: str | None  # the notice for a claim made here that lost


def build(replica: Replica, name: str, stored: list[bytes], batch: list[bytes]) -> Built:
    """The CPU part of applying updates: no database access."""
    from crdt import view, workspace, ydoc

    doc = ydoc.load(stored)
    before = doc.get_state()
    held = _holds(replica, doc, name)
    for update in batch:
        doc.apply_update(update)
    lost = _lost(doc) if held and not _holds(replica, doc, name) else None
    state = doc.get_state()
    changed = state != before
    due = len(stored) + len(batch) > COMPACT_AFTER
    built_view = view.build(doc) if changed and name.startswith("c:") else None
    items = workspace.items(doc) if changed and name.startswith("ws:") else None
    return Built(
        name, batch, state, doc.get_update() if due else None, changed, built_view, items, lost
    )


def commit(replica: Replica, built: Built, unsent: bool) -> int:
    """Store what ``build`` made, inside the caller's transaction."""
    conn = replica.store.conn
    name = built.name
    if built.lost:
        conn.execute("INSERT INTO notices(text, at) VALUES (?, ?)", (built.lost, clock.now_iso()))
    if not unsent:  # everything here is now what the relay has
        conn.execute("INSERT OR REPLACE INTO synced VALUES (?, ?)", (name, built.state))
    for update in built.updates:
        replica.store.append(name, update, local=False)
    if built.snapshot is not None:
        replica.store.put_snapshot(name, built.snapshot)
    if built.view is not None and built.view["id"] is not None:
        index.write_conversation(conn, built.view)
    if built.items is not None:
        index.write_workspace(conn, name[3:], built.items)
    return int(built.changed)


def apply(replica: Replica, name: str, batch: list[bytes], unsent: bool) -> int:
    """Apply the relay's updates of one document, inside the caller's transaction.

    The updates are logged as they came rather than as the difference they made: an
    update whose dependencies have not arrived yet changes nothing now, and logging
    only the difference would lose it; replayed later, it applies (ydoc.load). Returns
    1 when the document changed (its index row was rebuilt), else 0.
    """
    built = build(replica, name, replica.store.doc_updates(name), batch)
    return commit(replica, built, unsent)


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
