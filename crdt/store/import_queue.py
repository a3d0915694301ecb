"""The import queue: mail threaded by an import, then built into documents, each once.

The first half of an import (ingest/importer.py) threads every mail and queues it,
durably, under its conversation. Draining the queue then loads each conversation once, adds
all its queued mail in one transaction, stores the document (a compressed
snapshot when it is new) and writes its index row: in mail sorted by time a
thread spans many batches, and building it per batch would repeat that work
for every batch. A crash leaves the rest of the queue for the next drain.

It is part of the store because every command that reads or changes a conversation
builds what is queued for it first (``build_now``, called by ``Replica``): the replica
never shows or edits a conversation whose mail waits here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt.model.vocab import conversation_doc
from crdt.store.compression import Dictionary, newest_dictionary
from crdt.store.documents import Store
from crdt.store.index import Rows
from crdt.store.sqlite import Connection

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc

Packing = tuple[Dictionary | None, Dictionary | None]  # the replica's for views, snapshots
DRAIN_BATCH = 500  # conversations per transaction
BUILD_WORKERS = 2  # one per core: each builds while the other writes


class QueuedMail(NamedTuple):
    """A queued mail: what threading decided, and the message to add."""

    action: str  # new, append, notice, spam
    direction: str
    who: str
    at: str
    message: str  # JSON, without direction and delivery
    extra: dict[str, Any]  # "create": the conversation's fields, when it opens one


class Queue:
    """Mail queued in a transaction, written in one statement when it is flushed (before
    the transaction ends, or before anything reads the queue)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[str, str, str, str, str, str, str | None]] = []

    def add(self, conversation_id: str, entry: QueuedMail) -> None:
        extra = json.dumps(entry.extra) if entry.extra else None
        self.rows.append((conversation_id, *entry[:5], extra))

    def flush(self) -> None:
        self.conn.executemany(
            "INSERT INTO import_queue(conversation, action, direction, who, at, message, extra) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            self.rows,
        )
        self.rows.clear()


class Job(NamedTuple):
    """One conversation to build: what is stored of it, and its queued mail."""

    ident: str
    stored: list[bytes]
    fingerprint: tuple[int, int]  # to see at write time that it is unchanged
    entries: list[QueuedMail]
    last_seq: int  # the newest queued row read for it


class BuiltConversation(NamedTuple):
    ident: str
    data: bytes  # the whole document packed (pack_snapshot) when it is new, else the update
    new: bool
    rows: Rows  # its index rows


def drain(store: Store, progress: Callable[[int, int | None], None] | None = None) -> int:
    """Build the documents of every queued conversation; returns how many.

    The queued conversations are cut into runs of DRAIN_BATCH ids, and each worker
    process reads, builds and writes a run on a connection of its own: while one
    holds the write lock, the other builds. (A main process that read and wrote for
    the workers was the bottleneck: it spent ~1.2 ms a conversation in SQLite and
    pickling while the workers built in ~1.6 ms.)
    """
    ids = queued(store)
    runs = [ids[i : i + DRAIN_BATCH] for i in range(0, len(ids), DRAIN_BATCH)]
    if len(runs) <= 1:  # a few conversations: no workers to start
        return _drain_run(store, ids) if ids else 0
    from functools import partial

    from crdt.store import pool

    done = 0
    if newest_dictionary(store.conn, "view") is None:
        done = _drain_run(store, runs.pop(0))  # then the workers pack with what it taught
        _train(store)
        if progress:
            progress(done, len(ids))
    with pool.workers(store, BUILD_WORKERS) as workers:
        for count in workers.imap_unordered(partial(pool.run, _drain_run), runs):
            store.checkpoint()
            done += count
            if progress:
                progress(done, len(ids))
    return done


def queued(store: Store) -> list[str]:
    """The conversations with queued mail, in id order."""
    sql = "SELECT DISTINCT conversation FROM import_queue ORDER BY conversation"
    return [str(r[0]) for r in store.conn.execute(sql)]


def _drain_run(store: Store, ids: list[str]) -> int:
    """Read, build and store a run of conversations (consecutive ids)."""
    jobs = [job for job in read_jobs(store, ids) if job.entries]
    if jobs:  # a run listed while another process built it has nothing left
        packing = packing_of(store)
        _write(store, jobs, [build_conversation(job, packing) for job in jobs], packing)
    return len(jobs)


def packing_of(store: Store) -> Packing:
    return newest_dictionary(store.conn, "view"), newest_dictionary(store.conn, "snapshot")


def _train(store: Store) -> None:
    """The replica's first big import trains its dictionaries on the run it has built."""
    from crdt.store.index import train_dictionaries

    with store.write() as conn:
        train_dictionaries(conn)


def has_queued(conn: Connection, ident: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM import_queue WHERE conversation = ? LIMIT 1", (ident,)
        ).fetchone()
        is not None
    )


def build_now(store: Store, conn: Connection, ident: str) -> bool:
    """Build one queued conversation inside the caller's write transaction: the command
    that needs it (``show``, ``tag`` ...) after an import that was stopped, or while one
    runs. Read and written under the lock, so nothing can change in between. False when
    nothing is queued for it."""
    job = read_job(store, ident)
    if not job.entries:
        return False
    packing = packing_of(store)
    _store(store, conn, [job], [build_conversation(job, packing)], packing)
    return True


def read_jobs(store: Store, ids: list[str]) -> list[Job]:
    """Conversations of consecutive ids with their queued mail, read in one range of the
    queue; a stored document is read only where there is one (on a first import, none)."""
    names = [conversation_doc(ident) for ident in ids]
    prints = store.fingerprints(names)
    queued: dict[str, list[tuple[QueuedMail, int]]] = {ident: [] for ident in ids}
    for r in store.conn.execute(
        "SELECT conversation, action, direction, who, at, message, extra, seq "
        "FROM import_queue WHERE conversation BETWEEN ? AND ? ORDER BY conversation, seq",
        (min(ids), max(ids)),
    ):
        if r[0] in queued:
            entry = QueuedMail(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {})
            queued[r[0]].append((entry, int(r[7])))
    return [
        Job(
            ident,
            store.doc_updates(name) if name in prints else [],
            prints.get(name, (-1, -1)),
            [entry for entry, _ in queued[ident]],
            max((seq for _, seq in queued[ident]), default=0),
        )
        for ident, name in zip(ids, names, strict=True)
    ]


def read_job(store: Store, ident: str) -> Job:
    return read_jobs(store, [ident])[0]


def build_conversation(job: Job, packing: Packing = (None, None)) -> BuiltConversation:
    """A conversation's document with its queued mail, and its view: pure, bytes in and
    out; ``packing``: the replica's dictionaries for views and snapshots."""
    from crdt.model import view, ydoc
    from crdt.store.compression import pack_snapshot
    from crdt.store.index import pack_view, rows

    doc = ydoc.load(job.stored)
    before = doc.get_state()
    new = not job.stored
    with doc.transaction():
        apply_entries(doc, job.ident, job.entries, new)
    data = pack_snapshot(doc.get_update(), packing[1]) if new else doc.get_update(before)
    built = view.build(doc, bulk=True)
    packed = pack_view(built, True, packing[0])
    return BuiltConversation(job.ident, data, new, rows(built, packed))


def _write(
    store: Store, jobs: list[Job], results: list[BuiltConversation], packing: Packing
) -> None:
    with store.write() as conn:
        _store(store, conn, jobs, results, packing)


def _store(
    store: Store,
    conn: Connection,
    jobs: list[Job],
    results: list[BuiltConversation],
    packing: Packing,
) -> None:
    """Store what was built, in the caller's transaction. A job whose document or queue
    changed since it was read (another command built it, or an import folded its mail
    into another conversation) is read and built again, here; one with nothing left
    queued is not written at all: a document may only be written under its own id."""
    from crdt.store.index import write_conversations

    now = store.fingerprints(conversation_doc(job.ident) for job in jobs)
    waiting = _queue_prints(conn, jobs)
    rows, done = [], []
    for job, result in zip(jobs, results, strict=True):
        name = conversation_doc(job.ident)
        if now.get(name, (-1, -1)) != job.fingerprint or waiting.get(job.ident) != (
            len(job.entries),
            job.last_seq,
        ):
            job = read_job(store, job.ident)  # changed meanwhile: build it afresh, here
            if not job.entries:
                continue
            result = build_conversation(job, packing)
        if result.new:
            store.put_snapshot(name, result.data, local=True, packed=True)
        else:
            store.append(name, result.data)
        rows.append(result.rows)
        done.append((job.ident, job.last_seq))
    write_conversations(conn, rows)
    # each job's queued mail, all built; mail queued for it since stays queued
    conn.executemany(
        "DELETE FROM import_queue WHERE conversation = ? AND seq <= ?",
        done,
    )


def _queue_prints(conn: Connection, jobs: list[Job]) -> dict[str, tuple[int, int]]:
    """Per conversation of a run (consecutive ids): how many rows are queued up to the
    newest the run read, and that newest; one range of the queue's index."""
    top = max(job.last_seq for job in jobs)
    return {
        str(r[0]): (int(r[1]), int(r[2]))
        for r in conn.execute(
            "SELECT conversation, count(*), max(seq) FROM import_queue "
            "WHERE conversation BETWEEN ? AND ? AND seq <= ? GROUP BY conversation",
            (min(j.ident for j in jobs), max(j.ident for j in jobs), top),
        )
    }


def apply_entries(doc: Doc, ident: str, entries: list[QueuedMail], new: bool = False) -> None:
    """Queued mail into the document of conversation ``ident``, in the order it was
    threaded; ``new``: the document holds nothing yet. (An import is bulk work: its
    messages are decoded with orjson, as its views are, see ``build``.)

    Only ``ident``'s own ``create`` makes the document: mail of a conversation folded
    into this one while both were queued (a reply imported before what it answers)
    still carries the ``create`` of the conversation it opened, and that id must not
    name this document (its row would not be its own, and ``reindex`` would lose one).
    """
    import orjson

    from crdt.model import conversation as conv

    known: set[str] = set() if new else conv.message_ids(doc)
    for e in entries:
        create = e.extra.get("create")
        if create and create["conversation_id"] == ident and not doc.map("meta").get("id"):
            conv.create(doc, **create)
            if e.action == "spam":
                conv.set_status(doc, "spam", e.who, e.at)
        message = orjson.loads(e.message)
        message["direction"] = e.direction
        if e.direction == "out":
            message["delivery"] = "sent"
        conv.add_message(doc, message, e.who, e.at, reopen=e.action == "append", known=known)
    if not doc.map("meta").get("id"):  # its own create was lost: made from another's
        first = next((e.extra["create"] for e in entries if e.extra.get("create")), None)
        if first is not None:
            conv.create(doc, **{**first, "conversation_id": ident})
