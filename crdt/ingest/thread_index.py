"""``ThreadIndex`` over the replica's index tables, for importing into a real replica.

``record`` writes the look-up rows of each stored mail at once (Message-ID,
Outlook thread root, the conversation's customer, subject and last activity),
so the next mail of the same import threads against it (mail of a conversation
merged into another threads into that one); the full index row of
the conversation is written when its queued mail is built (see import_queue.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crdt.ingest.bloom import Bloom
from crdt.mail.parse import MailRecord
from crdt.mail.threads import Direction, Known
from crdt.model.clock import parse_iso, to_iso
from crdt.model.vocab import NOTICES
from crdt.store import index
from crdt.store.sqlite import Connection

# The columns of a ``Known``; mail of a merged conversation counts as its target's.
_KNOWN = (
    "coalesce(c.merged_into, c.id), m.content_key, m.direction, m.from_email, "
    "m.participants, m.kind"
)


class StoredIds:
    """Every Message-ID and In-Reply-To the look-up rows hold, in Bloom filters, kept by
    the process that threads an import, across its batches.

    Most mail in an import is new: its own id is stored nowhere and nothing stored
    replies to it yet, and each of those two look-ups finding nothing cost ~10-15 us of
    SQLite. An id the filter has surely not seen is answered at once; a "maybe" (an id
    stored, or ~1.4% of the others) is looked up as before, so the filter only ever
    saves a look-up, never skips a match. Two bytes an id: a million cost 4 MB.
    """

    def __init__(self) -> None:
        self.ids = Bloom(0)
        self.parents = Bloom(0)  # In-Reply-To ids
        self.seen = 0  # the highest rowid read

    def refresh(self, conn: Connection) -> None:
        """Take in the rows added since the last refresh, by anyone: called at the start of
        each batch, inside its write transaction. Rows are only ever added, but a reindex
        writes them all again from rowid 1; then, or when the rows outgrow the filters,
        all are read afresh (into filters twice that size)."""
        top = int(conn.execute("SELECT coalesce(max(rowid), 0) FROM mail_ids").fetchone()[0])
        if top < self.seen or top > self.ids.capacity:
            self.ids, self.parents, self.seen = Bloom(2 * top), Bloom(2 * top), 0
        for message_id, parent in conn.execute(
            "SELECT message_id, in_reply_to FROM mail_ids WHERE rowid > ?", (self.seen,)
        ):
            self.add(message_id, parent)
        self.seen = top

    def add(self, message_id: str, parent: str | None) -> None:
        self.ids.add(message_id)
        if parent:
            self.parents.add(parent)


class SqliteThreadIndex:
    def __init__(self, conn: Connection, stored: StoredIds) -> None:
        """``stored``: the ids stored, refreshed for this transaction."""
        self.conn = conn
        self.stored = stored

    def find_message(self, message_id: str) -> list[Known]:
        if message_id not in self.stored.ids:
            return []
        rows = self.conn.execute(
            f"SELECT {_KNOWN} "
            "FROM mail_ids m JOIN conversations c ON c.rid = m.rid WHERE m.message_id = ? "
            "ORDER BY c.created_at, m.rowid",
            (message_id,),
        ).fetchall()
        return [_known(r) for r in rows]

    def find_thread_index(self, root: str) -> str | None:
        row = self.conn.execute(
            "SELECT coalesce(c.merged_into, c.id) FROM thread_roots t "
            "JOIN conversations c ON c.rid = t.rid "
            "WHERE t.root = ? ORDER BY c.created_at LIMIT 1",
            (root,),
        ).fetchone()
        return str(row[0]) if row else None

    def find_replies(self, message_id: str) -> list[Known]:
        if message_id not in self.stored.parents:
            return []
        rows = self.conn.execute(
            f"SELECT {_KNOWN} "
            "FROM mail_ids m JOIN conversations c ON c.rid = m.rid WHERE m.in_reply_to = ? "
            "ORDER BY m.rowid",
            (message_id,),
        ).fetchall()
        return [_known(r) for r in rows]

    def find_by_subject(
        self, normalized_subject: str, customer_email: str
    ) -> list[tuple[str, datetime]]:
        rows = self.conn.execute(
            "SELECT id, max(coalesce(last_inbound_at, ''), coalesce(last_outbound_at, ''), "
            "coalesce(created_at, '')) FROM conversations WHERE customer = ? AND subject_key = ?",
            (customer_email, normalized_subject),
        ).fetchall()
        return [(str(r[0]), parse_iso(r[1])) for r in rows if r[1]]

    def conversation_customer(self, conversation_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT customer FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def record(
        self,
        conversation_id: str,
        rec: MailRecord,
        direction: Direction,
        customer_email: str | None,
        new: bool = False,
        at: str | None = None,
        participants: str | None = None,
    ) -> None:
        """``new``: the conversation most likely starts with this mail, so its row is
        inserted without a look first (an import records thousands a second). ``at``
        (``rec.date`` as stored) and ``participants`` (JSON) are given when the caller
        made them already."""
        if at is None and rec.date is not None:
            at = to_iso(rec.date)
        activity = at is not None and rec.kind not in NOTICES  # a notice is no activity
        column = "last_outbound_at" if direction == "out" else "last_inbound_at"
        fields = {
            "id": conversation_id,
            "customer": customer_email,
            "subject": rec.subject,
            "created_at": at,
            "updated_at": at,
            **({column: at} if activity else {}),
        }
        rid = index.stub_conversation(self.conn, fields) if new else None
        if rid is None:
            rid = self._touch(conversation_id, column if activity else None, at)
        if rid is None:
            rid = index.stub_conversation(self.conn, fields)
        parent = rec.in_reply_to[0] if rec.in_reply_to else None
        self.conn.execute(
            "INSERT INTO mail_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.message_id,
                rid,
                rec.content_key,
                direction,
                rec.from_email,
                participants or index.participants_json(rec.participants),
                rec.kind,
                parent,
            ),
        )
        self.stored.add(rec.message_id, parent)
        if activity and rec.thread_index:  # a notice names no thread
            self.conn.execute(
                "INSERT OR IGNORE INTO thread_roots VALUES (?, ?, ?)",
                (rec.thread_index, rid, rec.from_email),
            )

    def _touch(self, conversation_id: str, column: str | None, at: str | None) -> int | None:
        """The row id of a conversation's row, its ``column`` moved on to ``at``."""
        row = self.conn.execute(
            "SELECT rid FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        if column is not None:
            self.conn.execute(
                f"UPDATE conversations SET {column} = max(coalesce({column}, ''), ?) WHERE rid = ?",
                (at, row[0]),
            )
        return int(row[0])


def _known(row: Any) -> Known:
    return Known(
        str(row[0]),
        row[1] or "",
        "out" if row[2] == "out" else "in",
        row[3] or "",
        frozenset(json.loads(row[4] or "[]")),
        row[5] or "message",
    )
