"""A change the relay refused: the replica drops it and starts the document again from
the relay's copy, so it holds what every other replica holds.

The relay refuses a whole update (relay/server/hub.py: it claims another agent, needs a
role the token lacks, or breaks the document's schema) and sends its own document with
the refusal. What this replica changed in that document since its last acknowledged send
goes with the refused change: its changes were one update, and the relay took none of
it. A document the relay has never seen (a conversation made here, refused whole) stays
here alone, out of the outbox: nothing of it reaches anyone. Either way the agent is told
at its next command, through the replica's notices.
"""

from __future__ import annotations

from crdt.model import clock, workspace, ydoc
from crdt.model.vocab import CONVERSATION_PREFIX, WORKSPACE_PREFIX
from crdt.replica import Replica
from crdt.store.compression import newest_dictionary
from crdt.sync import builder

EMPTY_UPDATE = b"\x00\x00"  # the whole of a document that holds nothing


def start_again(replica: Replica, name: str, whole: bytes, reason: str) -> str:
    """Replace document ``name`` by the relay's ``whole`` (in one transaction with its
    index row and the outbox); returns the notice the agent gets."""
    store = replica.store
    shown = name[len(CONVERSATION_PREFIX) :][:8] if name.startswith(CONVERSATION_PREFIX) else name
    with store.write() as conn:
        conn.execute("DELETE FROM outbox WHERE doc = ?", (name,))
        if whole == EMPTY_UPDATE and name.startswith(CONVERSATION_PREFIX):
            text = f"the relay refused {shown}: {reason}; it stays on this replica only"
        else:
            packing = newest_dictionary(conn, "view")
            received = builder.apply_run(replica.agent, name, [], [whole], packing=packing)
            if name.startswith(WORKSPACE_PREFIX):  # even when the relay's holds nothing
                received = received._replace(items=workspace.items(ydoc.load([whole])))
            store.put_snapshot(name, whole)
            builder.commit(store, [received._replace(updates=[], snapshot=None)], set())
            text = f"the relay refused your change to {shown}: {reason}; it was dropped here"
        store.add_notices([text], clock.now_iso())
    return text
