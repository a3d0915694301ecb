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

from collections.abc import Iterable
from typing import NamedTuple

from crdt import index
from crdt.replica import Replica
from crdt.store import Connection

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


def acknowledge(replica: Replica, doc_name: str, changes: int, relay_state: bytes) -> None:
    """The relay holds the document at ``relay_state``; the outbox entry goes when no change
    was made here after the send (``changes`` -1: keep it, the relay lacks part of it)."""
    with replica.store.write() as conn:
        conn.execute("DELETE FROM outbox WHERE doc = ? AND changes = ?", (doc_name, changes))
        conn.execute("INSERT OR REPLACE INTO synced VALUES (?, ?)", (doc_name, relay_state))


def receive(replica: Replica, updates: Iterable[tuple[str, bytes]], new_cursor: int) -> int:
    """Apply a run of the relay's log and move the cursor past it, atomically.

    Updates of one document are applied together and stored as one update (what
    they changed here), and the document's index row is rebuilt once. Returns how
    many documents changed.
    """
    by_doc: dict[str, list[bytes]] = {}
    for name, update in updates:
        by_doc.setdefault(name, []).append(update)
    changed = 0
    with replica.store.write() as conn:
        unsent = set(pending(replica))
        for name, batch in by_doc.items():
            if _apply(replica, conn, name, batch, name in unsent):
                changed += 1
        replica.store.set_meta(CURSOR_KEY, str(new_cursor))
    return changed


def _apply(replica: Replica, conn: Connection, name: str, batch: list[bytes], unsent: bool) -> bool:
    from crdt import view, workspace

    doc, before = replica.load_doc(name)
    for update in batch:
        doc.apply_update(update)
    if not unsent:  # everything here is now what the relay has
        conn.execute("INSERT OR REPLACE INTO synced VALUES (?, ?)", (name, doc.get_state()))
    if not replica.save_doc(name, doc, before, local=False):
        return False
    if name.startswith("c:"):
        built = view.build(doc)
        if built["id"] is not None:
            index.write_conversation(conn, built)
    elif name.startswith("ws:"):
        index.write_workspace(conn, name[3:], workspace.items(doc))
    return True
