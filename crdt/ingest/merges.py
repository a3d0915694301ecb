"""Merges an import decided and has still to make: a reply imported before what it
answers opened a conversation that was built before the mail linking the two came.

They are recorded (``import_merges``) in the same transaction as the decision, so a
stopped import leaves them for the next import or ``inbox reindex``; each is carried
out as `inbox merge` does, its record deleted in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crdt.model import clock
from crdt.replica import Replica
from crdt.store import import_queue

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc


def finish(replica: Replica, progress: Callable[[int, int | None], None] | None = None) -> None:
    """Whatever imports left to do, this one's or an interrupted one's: build every queued
    conversation, then fold in those that a reply imported out of order had opened and
    that were built before what linked them came (``import_merges``)."""
    import_queue.drain(replica.store, progress)
    merge_pending(replica)


def merge_pending(replica: Replica) -> int:
    """Carry out the merges imports recorded, each as `inbox merge` does, its record
    deleted in the same transaction; returns how many were carried out. A conversation
    merged already is represented by the one it went into, so chains end in one."""
    done = 0
    for source, target in replica.store.conn.execute(
        "SELECT source, target FROM import_merges ORDER BY source, target"
    ).fetchall():
        done += _merge_recorded(replica, str(source), str(target))
    return done


def _merge_recorded(replica: Replica, source: str, target: str) -> int:
    src, dst = _head(replica, source), _head(replica, target)
    forget = "DELETE FROM import_merges WHERE source = ? AND target = ?"
    if src == dst:
        with replica.store.write() as conn:
            conn.execute(forget, (source, target))
        return 0
    from crdt.model import conversation as conv

    at = clock.now_iso()

    def change(docs: dict[str, Doc]) -> None:
        replica.store.conn.execute(forget, (source, target))
        conv.merge_into(docs[src], docs[dst], replica.agent, at)

    replica.edit_many([src, dst], change)
    return 1


def _head(replica: Replica, ident: str) -> str:
    """The conversation that ``ident`` was merged into, through any chain of merges."""
    seen = {ident}
    while True:
        row = replica.store.conn.execute(
            "SELECT merged_into FROM conversations WHERE id = ?", (ident,)
        ).fetchone()
        if row is None or not row[0] or row[0] in seen:
            return ident
        ident = str(row[0])
        seen.add(ident)
