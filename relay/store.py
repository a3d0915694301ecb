"""The relay's store: one SQLite file holding a workspace's ordered log and its tokens.

Tables
    meta    key/value: format marker, schema, workspace name and id
    log     every accepted change, in the order the relay accepted it (``seq``): the
            cursor a replica keeps is a position in this log
    tokens  per-agent access: an id, the SHA-256 of the secret, the agent, admin or not

Compaction appends a document's replayed state as a new entry and then deletes
the entries it replaces, so a cursor stays valid across it: a replica behind
the snapshot receives the snapshot (a superset), one ahead of it nothing.
Secrets are 32 random bytes, so a plain SHA-256 is enough to store them; the
secret itself is printed once and never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

APPLICATION_ID = 0x696E6272  # "inbr"
FORMAT = "inbox-relay"
SCHEMA_VERSION = 1
TOKEN_PREFIX = "inbox_"

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE log(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX log_by_doc ON log(doc, seq);
CREATE TABLE tokens(id TEXT PRIMARY KEY, hash TEXT NOT NULL, agent TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE INDEX tokens_by_agent ON tokens(agent);
"""


class RelayStoreError(Exception):
    """The store file is missing, foreign or unusable."""


class Entry(NamedTuple):
    seq: int
    doc: str
    data: bytes


class Grant(NamedTuple):
    """Who a valid token speaks for."""

    token_id: str
    agent: str
    admin: bool


class RelayStore:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn, self.path = conn, path

    @classmethod
    def open(cls, path: Path, create: bool = False, workspace: str = "default") -> RelayStore:
        """Open the store at ``path``; with ``create``, make it when it does not exist."""
        if not path.exists():
            if not create:
                raise RelayStoreError(f"no relay store at {path}")
            return cls._create(path, workspace)
        _check_ours(path)
        conn = _connect(path)
        store = cls(conn, path)
        if store.meta("schema") != str(SCHEMA_VERSION):
            conn.close()
            raise RelayStoreError(f"{path} has relay schema {store.meta('schema')}")
        return store

    @classmethod
    def _create(cls, path: Path, workspace: str) -> RelayStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        with _transaction(conn):
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            meta = {
                "format": FORMAT,
                "schema": str(SCHEMA_VERSION),
                "workspace": workspace,
                "workspace_id": os.urandom(16).hex(),
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def write(self) -> Iterator[None]:
        with _transaction(self.conn):
            yield

    # -- the log -------------------------------------------------------------------------

    def append(self, doc: str, data: bytes) -> int:
        """Add an entry (inside ``write()`` when it must commit with others)."""
        cur = self.conn.execute("INSERT INTO log(doc, data) VALUES (?, ?)", (doc, data))
        return int(cur.lastrowid or 0)

    def head(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM log").fetchone()
        return int(row[0] or 0)

    def since(self, cursor: int, limit: int) -> list[Entry]:
        rows = self.conn.execute(
            "SELECT seq, doc, data FROM log WHERE seq > ? ORDER BY seq LIMIT ?", (cursor, limit)
        ).fetchall()
        return [Entry(int(r[0]), str(r[1]), bytes(r[2])) for r in rows]

    def doc_entries(self, doc: str) -> list[bytes]:
        rows = self.conn.execute("SELECT data FROM log WHERE doc = ? ORDER BY seq", (doc,))
        return [bytes(r[0]) for r in rows]

    def compact(self, doc: str, snapshot: bytes) -> int:
        """Replace a document's entries by its replayed state, appended as the newest."""
        with self.write():
            seq = self.append(doc, snapshot)
            self.conn.execute("DELETE FROM log WHERE doc = ? AND seq < ?", (doc, seq))
        return seq

    # -- tokens --------------------------------------------------------------------------

    def create_token(self, agent: str, admin: bool, at: str) -> str:
        """A new token for ``agent``; the only time its secret exists outside the agent."""
        token_id = os.urandom(6).hex()
        secret = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        with self.write():
            self.conn.execute(
                "INSERT INTO tokens(id, hash, agent, admin, created_at) VALUES (?, ?, ?, ?, ?)",
                (token_id, _digest(secret), agent, int(admin), at),
            )
        return f"{TOKEN_PREFIX}{token_id}_{secret}"

    def check_token(self, token: str) -> Grant | None:
        token_id, secret = _split(token)
        if not token_id:
            return None
        row = self.conn.execute(
            "SELECT hash, agent, admin FROM tokens WHERE id = ? AND revoked_at IS NULL",
            (token_id,),
        ).fetchone()
        if row is None or not hmac.compare_digest(str(row[0]), _digest(secret)):
            return None
        return Grant(token_id, str(row[1]), bool(row[2]))

    def revoke(self, agent: str, at: str) -> int:
        """Revoke every live token of ``agent``; returns how many."""
        with self.write():
            cur = self.conn.execute(
                "UPDATE tokens SET revoked_at = ? WHERE agent = ? AND revoked_at IS NULL",
                (at, agent),
            )
        return int(cur.rowcount)

    def live_tokens(self) -> set[str]:
        return {
            str(r[0]) for r in self.conn.execute("SELECT id FROM tokens WHERE revoked_at IS NULL")
        }

    def data_version(self) -> int:
        """Moves when another connection (``inbox relay token revoke``) commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str]:
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        return "", ""
    token_id, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    return (token_id, secret) if token_id and secret else ("", "")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _check_ours(path: Path) -> None:
    from crdt.store import application_id

    try:
        app_id = application_id(path)
    except sqlite3.DatabaseError as exc:
        raise RelayStoreError(f"{path} is not a relay store ({exc})") from exc
    if app_id != APPLICATION_ID:
        raise RelayStoreError(f"{path} is not a relay store; it was left as it is")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn
