"""Answers a model gave, by content hash, so the same question is never computed twice.

One SQLite file beside the replica (``models.db``; derived, safe to delete): vectors and
answers keyed by (model id, SHA-256 of the text or prompt). A second process asking the
same question while the first computes it just computes it too; the first write wins.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from pathlib import Path

from crdt.store import sqlite

FILE = "models.db"
BUSY_MS = 10_000
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vectors(model TEXT NOT NULL, key BLOB NOT NULL, "
    "data BLOB NOT NULL, PRIMARY KEY(model, key)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS answers(model TEXT NOT NULL, key BLOB NOT NULL, "
    "value TEXT NOT NULL, PRIMARY KEY(model, key)) WITHOUT ROWID",
    # a vector of each conversation (similar conversations), and when it last changed
    "CREATE TABLE IF NOT EXISTS conversations(model TEXT NOT NULL, id TEXT NOT NULL, "
    "stamp TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(model, id)) WITHOUT ROWID",
)

Vector = tuple[float, ...]


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class Cache(sqlite.Closing):
    def __init__(self, home: Path) -> None:
        path = home / FILE
        self.conn = sqlite.connect(path, BUSY_MS, new=not path.exists())
        for statement in SCHEMA:
            self.conn.execute(statement)

    def close(self) -> None:
        self.conn.close()

    def vectors(self, model: str, texts: Sequence[str]) -> dict[str, Vector]:
        """The vectors already computed for any of ``texts``, by text."""
        found: dict[str, Vector] = {}
        by_key = {key(t): t for t in texts}
        for k, text in by_key.items():
            row = self.conn.execute(
                "SELECT data FROM vectors WHERE model = ? AND key = ?", (model, k)
            ).fetchone()
            if row is not None:
                found[text] = tuple(array("f", row[0]))
        return found

    def put_vectors(self, model: str, vectors: dict[str, Vector]) -> None:
        with sqlite.transaction(self.conn):
            self.conn.executemany(
                "INSERT OR IGNORE INTO vectors(model, key, data) VALUES (?, ?, ?)",
                [(model, key(t), array("f", v).tobytes()) for t, v in vectors.items()],
            )

    def conversations(self, model: str) -> dict[str, tuple[str, bytes]]:
        """Every conversation's vector (float32 bytes) by id, with the stamp it was made at."""
        rows = self.conn.execute(
            "SELECT id, stamp, data FROM conversations WHERE model = ?", (model,)
        ).fetchall()
        return {str(r[0]): (str(r[1]), bytes(r[2])) for r in rows}

    def put_conversations(
        self, model: str, fresh: dict[str, tuple[str, Vector]], gone: Sequence[str]
    ) -> None:
        with sqlite.transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO conversations(model, id, stamp, data) VALUES (?, ?, ?, ?)",
                [(model, i, s, array("f", v).tobytes()) for i, (s, v) in fresh.items()],
            )
            self.conn.executemany(
                "DELETE FROM conversations WHERE model = ? AND id = ?", [(model, i) for i in gone]
            )

    def answer(self, model: str, prompt: str) -> str | None:
        row = self.conn.execute(
            "SELECT value FROM answers WHERE model = ? AND key = ?", (model, key(prompt))
        ).fetchone()
        return None if row is None else str(row[0])

    def put_answer(self, model: str, prompt: str, value: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO answers(model, key, value) VALUES (?, ?, ?)",
            (model, key(prompt), value),
        )
