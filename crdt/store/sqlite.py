"""The one way inbox opens SQLite: the replica's file and the relay's store alike.

The only module that imports sqlite3. Both files are WAL-mode databases shared by
several processes, marked with an application id so that neither ever writes to a
file that is not its own, and written in ``BEGIN IMMEDIATE`` transactions that
roll back on anything raised, a signal's exception included.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from crdt.errors import StoreError


class Connection(sqlite3.Connection):
    """A connection that keeps what it has read once and never changes (the replica's
    compression dictionaries) for as long as it is open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memo: dict[str, dict[Any, Any]] = {}


Row = sqlite3.Row
DatabaseError = sqlite3.DatabaseError
Transaction = AbstractContextManager[Connection]


class Closing:
    """A handle that closes on leaving a ``with`` block (replicas and both stores)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def connect(path: Path, busy_ms: int, new: bool = False) -> Connection:
    """A connection in WAL mode with autocommit outside explicit transactions; ``new``:
    the file is being made, so freed pages can be given back later (incremental vacuum)."""
    conn = sqlite3.connect(
        path,
        timeout=busy_ms / 1000,
        isolation_level=None,
        check_same_thread=False,
        factory=Connection,
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        if new:  # before the first page is written
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot use WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def open_existing(
    path: Path, app_id: int, what: str, busy_ms: int, missing: str = ""
) -> Connection:
    """Open a file of ours: looked at read-only first, so that a file of another program
    is left byte for byte as it was. ``missing``: what to do when there is none."""
    try:
        there = path.exists()
    except OSError as exc:  # a home that cannot be read
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    if not there:
        raise StoreError(f"no {what} at {path}" + (f": {missing}" if missing else ""))
    try:
        found = application_id(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not an inbox {what} ({exc}); it was left as it is") from exc
    if found != app_id:
        raise StoreError(f"{path} is a SQLite file of another program; it was left as it is")
    try:
        return connect(path, busy_ms)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open {what} {path}: {exc}") from exc


def create_new(
    path: Path, app_id: int, schema: str, meta: dict[str, str], busy_ms: int
) -> Connection:
    """A new file with ``schema`` and its ``meta`` rows, all or nothing: a failure leaves
    no file behind."""
    if path.exists():
        raise StoreError(f"{path} already exists; nothing was changed")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, busy_ms, new=True)
    try:
        conn.execute(f"PRAGMA application_id = {int(app_id)}")
        with transaction(conn):
            for statement in schema.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    except BaseException:
        conn.close()
        path.unlink(missing_ok=True)
        raise
    return conn


def application_id(path: Path) -> int:
    """A SQLite file's application id, read without writing to it (``DatabaseError`` when
    it is not SQLite)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


@contextmanager
def transaction(conn: Connection, gate: Any = None) -> Iterator[Connection]:
    """One atomic write: everything inside commits together or not at all.

    ``gate``: a lock shared with the worker processes of one job, taken before BEGIN so
    that they wait their turn asleep (SQLite's busy handler sleeps in growing steps and
    is not fair). Whatever is raised once BEGIN has run rolls back, even a signal's
    exception (Ctrl-C stopping a watcher) that lands between BEGIN and the body: a
    transaction left open would make the connection's next write fail."""
    if gate is not None:
        gate.acquire()
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"the database is busy or unwritable: {exc}") from exc
        yield conn
        conn.commit()
    except sqlite3.OperationalError as exc:  # a read-only file, a full disk
        if conn.in_transaction:
            conn.rollback()
        raise StoreError(f"the database could not be written ({exc}); nothing was changed") from exc
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    finally:
        if gate is not None:
            gate.release()


def meta_value(conn: Connection, key: str) -> str | None:
    """A row of the ``meta`` table both files have."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"not an inbox database: {exc}") from exc
    return None if row is None else str(row[0])
