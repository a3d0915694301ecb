"""The relay's log into the replica: short runs at once, long ones by worker processes.

A run of the log is what arrives between two cursor marks (relay/protocol.py). Each
document of a run is loaded, its updates applied, and the document, its index rows
and the cursor are stored together, so a crash can neither skip nor lose a change:
the cursor never passes an entry that is not stored, and applying one twice changes
nothing. Received updates are logged as they came rather than as the difference
they made: an update that arrives before one it depends on changes nothing yet,
and logging only the difference would lose it (``ydoc.load`` replays it later).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt.errors import BadUpdateError
from crdt.model import clock
from crdt.model.claims import CLAIM
from crdt.model.items import handle
from crdt.model.vocab import CONVERSATION_PREFIX, WORKSPACE_PREFIX
from crdt.replica import Replica
from crdt.store import index
from crdt.store.compression import Dictionary, newest_dictionary
from crdt.store.documents import COMPACT_AFTER, Store
from crdt.store.sqlite import Connection
from crdt.sync import outbox

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc

BUILD_ABOVE = 64  # documents in one run of the log: more are built by worker processes
PART = 256  # documents per worker job
IN_FLIGHT = 8  # runs with the workers, not yet stored; the log waits beyond that

Run = dict[str, list[bytes]]  # document name -> its updates, in log order


def group(updates: Iterable[tuple[str, bytes]]) -> Run:
    """A run of the log by document, each document's updates in log order."""
    by_doc: Run = {}
    for name, update in updates:
        by_doc.setdefault(name, []).append(update)
    return by_doc


def receive(replica: Replica, by_doc: Run, new_cursor: int) -> int:
    """Apply a short run of the relay's log (changes as they happen) and move the cursor
    past it, atomically; each changed document's index row is rebuilt in the same
    transaction. Returns how many documents changed. Long runs go to a ``Builder``."""
    store = replica.store
    with store.write() as conn:
        packing = newest_dictionary(conn, "view")
        received = [
            apply_run(replica.agent, name, store.doc_updates(name), batch, packing=packing)
            for name, batch in by_doc.items()
        ]
        applied = commit(store, received, set(outbox.pending(store)))
        store.set_meta(outbox.CURSOR_KEY, str(new_cursor))
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

    def add(self, by_doc: Run, new_cursor: int) -> None:
        from crdt.store import pool

        if self._pool is None:
            self._pool = self._workers.enter_context(pool.workers(self.replica.store))
        work = partial(_store_part, self.replica.agent)
        items = list(by_doc.items())
        jobs = [
            self._pool.apply_async(pool.run, (work, items[i : i + PART]))
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
            store = self.replica.store
            with store.write():
                outbox.move_cursor(store, moved)
            store.checkpoint()

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
        build_staged(self.replica.store, self.replica.agent)

    def close(self) -> None:
        self._runs.clear()
        self._workers.close()
        self._pool = None


def _store_part(agent: str, store: Store, items: list[tuple[str, list[bytes]]]) -> int:
    """A worker's job (``pool.run`` gives it the worker's store)."""
    return store_received(store, agent, items)


def store_received(
    store: Store,
    agent: str,
    items: list[tuple[str, list[bytes]]],
    then: Callable[[Connection], object] | None = None,
) -> int:
    """Build documents outside the write lock (the CPU part, beside the other worker),
    then store them in one short transaction, with ``then``; a document that changed
    meanwhile is built again inside it. Returns how many documents were stored."""
    names = [name for name, _ in items]
    seen = store.fingerprints(names)
    packing = newest_dictionary(store.conn, "view")
    received = [
        apply_run(
            agent, name, store.doc_updates(name) if name in seen else [], batch, True, packing
        )
        for name, batch in items
    ]
    with store.write() as conn:
        unsent = set(outbox.pending(store))
        now = store.fingerprints(names)
        received = [
            apply_run(agent, name, store.doc_updates(name), batch, True, packing)
            if now.get(name) != seen.get(name)
            else done
            for (name, batch), done in zip(items, received, strict=True)
        ]
        commit(store, received, unsent)
        if then is not None:
            then(conn)
    return len(items)


def build_staged(store: Store, agent: str) -> int:
    """Store what a sync of an earlier version staged and did not build (replicas of
    schema 4 kept long runs of the log in ``staged`` before building them)."""
    rows = store.conn.execute("SELECT seq, doc, data FROM staged ORDER BY seq").fetchall()
    if not rows:
        return 0
    last = int(rows[-1][0])
    by_doc = group((str(r[1]), bytes(r[2])) for r in rows)
    return store_received(
        store,
        agent,
        list(by_doc.items()),
        lambda c: c.execute("DELETE FROM staged WHERE seq <= ?", (last,)),
    )


class Received(NamedTuple):
    """One document with the relay's updates applied, and what to store of it."""

    name: str
    updates: list[bytes]  # logged as they came (see the module's docstring)
    state: bytes
    snapshot: bytes | None  # the whole document, when its log is due for compaction
    changed: bool
    rows: index.Rows | None  # a conversation's index rows, when it changed
    items: dict[str, Any] | None  # a workspace document's items, when it changed
    notice: str | None  # for the agent: a claim made here that lost, an update skipped


def apply_run(
    agent: str,
    name: str,
    stored: list[bytes],
    batch: list[bytes],
    bulk: bool = False,
    packing: Dictionary | None = None,
) -> Received:
    """The CPU part of applying updates: no database access. ``bulk``: in a worker;
    ``packing``: the replica's view dictionary."""
    from crdt.model import view, workspace, ydoc

    doc = ydoc.load(stored)
    before = doc.get_state() if stored else ydoc.EMPTY_STATE  # a new one holds nothing
    held = bool(stored) and _holds(agent, doc, name)
    doc, good, notice = _apply_each(doc, name, stored, batch)
    if held and not _holds(agent, doc, name):
        notice = _lost(doc)
    state = doc.get_state()
    changed = state != before
    due = len(stored) + len(good) > COMPACT_AFTER
    is_conversation = name.startswith(CONVERSATION_PREFIX)
    rows = None
    if changed and is_conversation:
        try:
            built_view = view.build(doc, bulk)
            if built_view["id"] is not None:
                rows = index.rows(built_view, index.pack_view(built_view, bulk, packing))
        except Exception as exc:  # a document no check foresaw: the others go on
            notice = f"{name} could not be shown ({type(exc).__name__}: {exc}); it is kept"
    items = workspace.items(doc) if changed and name.startswith(WORKSPACE_PREFIX) else None
    snapshot = doc.get_update() if due else None
    return Received(name, good, state, snapshot, changed, rows, items, notice)


def _apply_each(
    doc: Doc, name: str, stored: list[bytes], batch: list[bytes]
) -> tuple[Doc, list[bytes], str | None]:
    """The relay checks what it passes on; should an update still fail to apply here, it
    is skipped (and the document rebuilt without what it may have left half done)."""
    from crdt.model import ydoc

    good: list[bytes] = []
    notice = None
    for update in batch:
        try:
            doc.apply_update(update)
        except BadUpdateError as exc:
            doc = ydoc.load([*stored, *good])
            notice = f"skipped an update of {name} from the relay: {exc.message}"
        else:
            good.append(update)
    return doc, good, notice


def commit(store: Store, received: list[Received], unsent: set[str]) -> int:
    """Store what ``apply_run`` made, inside the caller's transaction; ``unsent``: documents
    with local changes the relay lacks. Returns how many documents changed."""
    conn = store.conn
    store.add_notices([r.notice for r in received if r.notice], clock.now_iso())
    # everything here is now what the relay has
    outbox.relayed(store, [(r.name, r.state) for r in received if r.name not in unsent])
    store.append_all([(r.name, u) for r in received for u in r.updates])
    for r in received:
        if r.snapshot is not None:
            store.put_snapshot(r.name, r.snapshot)
        if r.items is not None:
            index.write_workspace(conn, r.name[len(WORKSPACE_PREFIX) :], r.items)
    index.write_conversations(conn, [r.rows for r in received if r.rows is not None])
    return sum(r.changed for r in received)


def _holds(agent: str, doc: Doc, name: str) -> bool:
    if not name.startswith(CONVERSATION_PREFIX):
        return False
    from crdt.model import conversation

    return conversation.ownership(doc).owner == agent


def _lost(doc: Doc) -> str:
    """This agent's conversation is no longer theirs: another's claim beat theirs at the
    relay, or a teammate reassigned it; said at the next command (the agent may have
    started working on it offline)."""
    from crdt.model import conversation

    own = conversation.ownership(doc)
    ident = str(doc.map("meta").get("id") or "")[:8]
    who = handle(own.owner) if own.owner else "nobody"
    if own.how != CLAIM and own.by:  # not a claim that came first: someone handed it on
        return (
            f"{ident} was {'assigned to ' + who if own.owner else 'unassigned'} by {handle(own.by)}"
        )
    return f"your claim on {ident} lost: {who} got there first"
