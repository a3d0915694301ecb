"""What a replica owes the relay, and how far into the relay's log it has read.

No network here (relay/client/ speaks to the relay); this module keeps the
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

from typing import NamedTuple

from crdt.replica import Replica
from crdt.store.documents import Store

CURSOR_KEY = "relay_cursor"


class Outgoing(NamedTuple):
    doc: str
    update: bytes
    changes: int  # the outbox counter when the update was made
    state: bytes  # the document's state vector then: what the relay should have after it


def cursor(store: Store) -> int:
    return int(store.meta(CURSOR_KEY) or 0)


def move_cursor(store: Store, to: int) -> None:
    """Inside the caller's transaction: the log up to ``to`` is stored here."""
    if to > cursor(store):
        store.set_meta(CURSOR_KEY, str(to))


def pending(store: Store) -> dict[str, int]:
    """Documents with local changes the relay has not acknowledged, and their counters."""
    rows = store.conn.execute("SELECT doc, changes FROM outbox ORDER BY doc")
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
    store: Store, doc_name: str, changes: int, relay_state: bytes, new_cursor: int | None
) -> None:
    """The relay holds the document at ``relay_state``; the outbox entry goes when no change
    was made here after the send (``changes`` -1: keep it, the relay lacks part of it).
    ``new_cursor``: the relay's log position, when everything before it was received."""
    with store.write() as conn:
        conn.execute("DELETE FROM outbox WHERE doc = ? AND changes = ?", (doc_name, changes))
        conn.execute("INSERT OR REPLACE INTO synced VALUES (?, ?)", (doc_name, relay_state))
        if new_cursor is not None:
            move_cursor(store, new_cursor)


def relayed(store: Store, states: list[tuple[str, bytes]]) -> None:
    """Inside the caller's transaction: these documents are, here, what the relay has."""
    store.conn.executemany("INSERT OR REPLACE INTO synced VALUES (?, ?)", states)
