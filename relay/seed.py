"""A new relay store made from a replica of a workspace of its own (`inbox init`): a team
that started alone shares its inbox, every conversation keeping its id.

The relay takes the replica as its first log: each document's whole state is one entry,
and the ownership entries made there are stamped as the relay stamps every claim (in
log order), so the replica's claims count as the first ones; its tickets are numbered in
the same order. The replica is taken as
it is, without the checks the relay makes of what agents send (model/admission.py): it
is the admin's own file, named on the relay's machine, and its agent was the only one
writing it. Its documents must still be the workspace's (names and roots the relay
knows).

The store is written under another name and renamed into place when complete, so a
crash leaves no half-made relay; a store that exists already is one of that same
workspace (a relay started again with the same command line) or an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from crdt.errors import StoreError, UsageError
from crdt.model import admission, clock, conversation, ydoc
from crdt.model.vocab import CONVERSATION_PREFIX
from crdt.replica import Replica
from relay.protocol import DOC_NAME
from relay.store import RelayStore

BATCH = 1000  # documents a transaction
Progress = Callable[[int, int], None]


class Seeded(NamedTuple):
    workspace: str
    conversations: int  # 0 when the store was there already
    documents: int
    fresh: bool  # False: the store was seeded before, and was left as it was


def seed(store_path: Path, replica_home: Path, progress: Progress | None = None) -> Seeded:
    """Make the relay store at ``store_path`` from the replica in ``replica_home``."""
    replica = Replica.open(replica_home)
    try:
        workspace_id = replica.store.meta("workspace_id") or ""
        if store_path.exists():  # made from it before: this replica joined it since, maybe
            return _seeded_before(store_path, replica.workspace, workspace_id)
        if replica.relay_url is not None:
            raise UsageError(
                f"{replica_home} is a replica of the relay at {replica.relay_url}: that relay "
                "holds its workspace; --from-replica takes a replica of its own workspace"
            )
        from crdt.ingest import merges

        merges.finish(replica)  # an import stopped half-way: its mail is built first
        return _write(store_path, replica, workspace_id, progress)
    finally:
        replica.close()


def _seeded_before(store_path: Path, workspace: str, workspace_id: str) -> Seeded:
    with RelayStore.open(store_path) as store:
        if store.meta("workspace_id") != workspace_id:
            raise UsageError(
                f"{store_path} holds another workspace ({store.meta('workspace')!r}); "
                "--from-replica makes a new store: name another --store"
            )
    return Seeded(workspace, 0, 0, fresh=False)


def _write(
    store_path: Path, replica: Replica, workspace_id: str, progress: Progress | None
) -> Seeded:
    names = [n for n in replica.store.doc_names("") if DOC_NAME.fullmatch(n)]
    partial = store_path.with_name(f".{store_path.name}.seeding")
    for leftover in _files(partial):  # a seed that was stopped: started again
        leftover.unlink(missing_ok=True)
    store = RelayStore.open(
        partial, create=True, workspace=replica.workspace, workspace_id=workspace_id
    )
    try:
        for start in range(0, len(names), BATCH):
            with store.write():
                for name in names[start : start + BATCH]:
                    _copy(store, name, replica.store.doc_updates(name))
            if progress:
                progress(min(start + BATCH, len(names)), len(names))
        with store.write():
            store.conn.execute(
                "INSERT INTO meta VALUES ('seeded', ?)", (f"{replica.agent} {clock.now_iso()}",)
            )
    except BaseException:
        store.close()
        for part in _files(partial):
            part.unlink(missing_ok=True)
        raise
    store.close()  # the last connection: SQLite folds its WAL into the file
    _move(partial, store_path)
    conversations = sum(n.startswith(CONVERSATION_PREFIX) for n in names)
    return Seeded(replica.workspace, conversations, len(names), fresh=True)


def _copy(store: RelayStore, name: str, updates: list[bytes]) -> None:
    """One document into the log, inside the caller's transaction; its claims stamped and
    a ticket made there numbered, as the relay does with what agents send."""
    doc = ydoc.load(updates)
    maps, arrays = admission.roots(name)
    extra = set(doc.root_names()) - {*maps, *arrays}
    if extra:
        raise StoreError(
            f"{name} holds what a workspace does not ({', '.join(sorted(extra))}): "
            "nothing was written; run `inbox reindex` on the replica, or leave it out"
        )
    seq = store.append(name, doc.get_update())
    if name.startswith(CONVERSATION_PREFIX):
        before = doc.get_state()
        if conversation.stamp(doc, seq, store.next_ticket_number):
            store.append(name, doc.get_update(before))


def _files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def _move(partial: Path, final: Path) -> None:
    """Rename the complete store into place, durably (the file, then its directory)."""
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
