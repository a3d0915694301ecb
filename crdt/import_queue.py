"""The second half of an import: queued mail into documents, each built once.

The first half (importer.py) threads every mail and queues it, durably, under
its conversation. Draining the queue then loads each conversation once, adds
all its queued mail in one transaction, stores the document (a compressed
snapshot when it is new) and writes its index row: in mail sorted by time a
thread spans many batches, and building it per batch would repeat that work
for every batch. A crash leaves the rest of the queue for the next drain.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt.index import Rows
from crdt.replica import Replica, conversation_doc
from crdt.store import Connection, Dictionary, newest_dictionary

if TYPE_CHECKING:
    from crdt.ydoc import Doc

Packing = tuple[Dictionary | None, Dictionary | None]  # the replica's for views, snapshots

DRAIN_BATCH = 500  # conversations per transaction
BUILD_WORKERS = 2  # one per core: each builds while the other writes


class Entry(NamedTuple):
    """A queued mail: what threading decided, and the message to add."""

    action: str  # new, append, notice, spam
    direction: str
    who: str
    at: str
    message: str  # JSON, without direction and delivery
    extra: dict[str, Any]  # "create": conversation fields; "bounce": the returned mail


class Queue:
    """Mail queued in a transaction, written in one statement when it is flushed (before
    the transaction ends, or before anything reads the queue)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[str, str, str, str, str, str, str | None]] = []

    def add(self, conversation_id: str, entry: Entry) -> None:
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
    entries: list[Entry]
    last_seq: int  # the newest queued row read for it


class Built(NamedTuple):
    ident: str
    data: bytes  # the whole document packed (pack_snapshot) when it is new, else the update
    new: bool
    rows: Rows  # its index rows


def drain(replica: Replica, progress: Callable[[int, int | None], None] | None = None) -> int:
    """Build the documents of every queued conversation; returns how many.

    The queued conversations are cut into runs of DRAIN_BATCH ids, and each worker
    process reads, builds and writes a run on a connection of its own: while one
    holds the write lock, the other builds. (A main process that read and wrote for
    the workers was the bottleneck: it spent ~1.2 ms a conversation in SQLite and
    pickling while the workers built in ~1.6 ms.)
    """
    ids = queued(replica)
    runs = [ids[i : i + DRAIN_BATCH] for i in range(0, len(ids), DRAIN_BATCH)]
    if len(runs) <= 1:  # a few conversations: no workers to start
        return _drain_run(replica, ids) if ids else 0
    from functools import partial

    from crdt import workers

    done = 0
    if newest_dictionary(replica.store.conn, "view") is None:
        done = _drain_run(replica, runs.pop(0))  # then the workers pack with what it taught
        _train(replica)
        if progress:
            progress(done, len(ids))
    with workers.pool(replica, BUILD_WORKERS) as pool:
        for count in pool.imap_unordered(partial(workers.run, _drain_run), runs):
            replica.store.checkpoint()
            done += count
            if progress:
                progress(done, len(ids))
    return done


def queued(replica: Replica) -> list[str]:
    """The conversations with queued mail, in id order."""
    sql = "SELECT DISTINCT conversation FROM import_queue ORDER BY conversation"
    return [str(r[0]) for r in replica.store.conn.execute(sql)]


def _drain_run(replica: Replica, ids: list[str]) -> int:
    """Read, build and store a run of conversations (consecutive ids)."""
    jobs = read_jobs(replica, ids)
    packing = packing_of(replica)
    _write(replica, jobs, [build(job, packing) for job in jobs], packing)
    return len(jobs)


def packing_of(replica: Replica) -> Packing:
    conn = replica.store.conn
    return newest_dictionary(conn, "view"), newest_dictionary(conn, "snapshot")


def _train(replica: Replica) -> None:
    """The replica's first big import trains its dictionaries on the run it has built."""
    from crdt.index import train_dictionaries

    with replica.store.write() as conn:
        train_dictionaries(conn)


def read_jobs(replica: Replica, ids: list[str]) -> list[Job]:
    """Conversations of consecutive ids with their queued mail, read in one range of the
    queue; a stored document is read only where there is one (on a first import, none)."""
    store = replica.store
    names = [conversation_doc(ident) for ident in ids]
    prints = store.fingerprints(names)
    queued: dict[str, list[tuple[Entry, int]]] = {ident: [] for ident in ids}
    for r in store.conn.execute(
        "SELECT conversation, action, direction, who, at, message, extra, seq "
        "FROM import_queue WHERE conversation BETWEEN ? AND ? ORDER BY conversation, seq",
        (min(ids), max(ids)),
    ):
        if r[0] in queued:
            entry = Entry(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {})
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


def read_job(replica: Replica, ident: str) -> Job:
    return read_jobs(replica, [ident])[0]


def build(job: Job, packing: Packing = (None, None)) -> Built:
    """A conversation's document with its queued mail, and its view: pure, bytes in and out."""
    from crdt import view, ydoc
    from crdt.index import pack_view, rows
    from crdt.store import pack_snapshot

    doc = ydoc.load(job.stored)
    before = doc.get_state()
    new = not job.stored
    with doc.transaction():
        apply_entries(doc, job.entries, new)
    data = pack_snapshot(doc.get_update(), packing[1]) if new else doc.get_update(before)
    built = view.build(doc, bulk=True)
    return Built(job.ident, data, new, rows(built, pack_view(built, True, packing[0])))


def _write(
    replica: Replica, jobs: list[Job], results: list[Built], packing: Packing | None = None
) -> None:
    from crdt.index import write_conversations

    packing = packing or packing_of(replica)

    with replica.store.write() as conn:
        now = replica.store.fingerprints(conversation_doc(job.ident) for job in jobs)
        rows, last_seq = [], 0
        for job, result in zip(jobs, results, strict=True):
            name = conversation_doc(job.ident)
            if now.get(name, (-1, -1)) != job.fingerprint:
                job = read_job(replica, job.ident)  # changed meanwhile: build it afresh, here
                result = build(job, packing)
            if result.new:
                replica.store.put_snapshot(name, result.data, local=True, packed=True)
            else:
                replica.store.append(name, result.data)
            rows.append(result.rows)
            last_seq = max(last_seq, job.last_seq)
        write_conversations(conn, rows)
        # the chunk is a run of conversations in id order: its queued mail, all built
        conn.execute(
            "DELETE FROM import_queue WHERE conversation BETWEEN ? AND ? AND seq <= ?",
            (jobs[0].ident, jobs[-1].ident, last_seq),
        )


def apply_entries(doc: Doc, entries: list[Entry], new: bool = False) -> None:
    """Queued mail into one document, in the order it was threaded; ``new``: the document
    holds nothing yet. (An import is bulk work: its messages are decoded with orjson, as
    its views are, see ``build``.)"""
    import orjson

    from crdt import conversation as conv

    known: set[str] = set() if new else conv.message_ids(doc)
    for e in entries:
        create = e.extra.get("create")
        if create and not doc.map("meta").get("id"):
            conv.create(doc, **create)
            if e.action == "spam":
                conv.set_status(doc, "spam", e.who, e.at)
        message = orjson.loads(e.message)
        message["direction"] = e.direction
        if e.direction == "out":
            message["delivery"] = "sent"
        conv.add_message(doc, message, e.who, e.at, reopen=e.action == "append", known=known)
        if e.extra.get("bounce"):  # after the add: a bounce may have come before its mail
            _mark_bounced(doc, e.extra["bounce"], e.who, e.at)


def _mark_bounced(doc: Doc, bounce: dict[str, Any], who: str, at: str) -> None:
    from crdt import conversation as conv

    for m in doc.array("messages").to_py():
        if m.get("message_id") == bounce["message_id"]:
            status = bounce.get("status")
            detail = f"bounced {status}" if status else "bounced"
            conv.set_delivery(doc, str(m["id"]), "bounced", who, at, detail)
