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
from typing import TYPE_CHECKING, NamedTuple

from crdt import clock, index
from crdt.replica import Replica
from crdt.store import Connection

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
    held = _holds(replica, doc, name)
    for update in batch:
        doc.apply_update(update)
    if held and not _holds(replica, doc, name):
        _lost(replica, conn, doc)
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


def _holds(replica: Replica, doc: Doc, name: str) -> bool:
    if not name.startswith("c:"):
        return False
    from crdt import conversation

    return conversation.ownership(doc).owner == replica.agent


def _lost(replica: Replica, conn: Connection, doc: Doc) -> None:
    """A claim made here that another agent's claim beat at the relay: say so at the next
    command (the agent may have started working on it offline)."""
    from crdt import conversation

    owner = conversation.ownership(doc).owner
    ident = str(doc.map("meta").get("id") or "")
    who = owner.split("@")[0] if owner else "nobody"
    conn.execute(
        "INSERT INTO notices(text, at) VALUES (?, ?)",
        (f"your claim on {ident[:8]} lost: {who} got there first", clock.now_iso()),
    )


def take_notices(replica: Replica) -> list[str]:
    """News for the agent, once: shown on stderr by the next command."""
    conn = replica.store.conn
    rows = conn.execute("SELECT seq, text FROM notices ORDER BY seq").fetchall()
    if rows:
        with replica.store.write():
            conn.execute("DELETE FROM notices WHERE seq <= ?", (rows[-1][0],))
    return [str(r[1]) for r in rows]
