"""The replica file: documents' update logs and snapshots, the outbox, meta.

Every change to a document and to what is derived from it commits in one
``BEGIN IMMEDIATE`` transaction (``Store.write``), so any number of processes can
share a replica: writers queue on the lock (busy timeout), readers never block.
Processes of one job (a bulk import's or a sync's workers, ``pool.py``) also share
a ``gate``: a lock taken before the transaction, so they wait their turn asleep
rather than in SQLite's busy loop, which sleeps in growing steps and is not fair.
The tables are in ``schema.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crdt.errors import StoreError
from crdt.store import schema, sqlite
from crdt.store.compression import newest_dictionary, pack_snapshot, unpack_snapshot
from crdt.store.sqlite import Closing, Connection

COMPACT_AFTER = 64  # updates per document before they are folded into its snapshot
BUSY_TIMEOUT_MS = 60_000


class Store(Closing):
    """An open replica file; a context manager that closes it."""

    def __init__(self, conn: Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.gate: Any = None  # a lock shared with worker processes (pool.py)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, meta: dict[str, str]) -> Store:
        rows = {"format": schema.FORMAT, "schema": str(schema.SCHEMA_VERSION), **meta}
        conn = sqlite.create_new(path, schema.APPLICATION_ID, schema.SCHEMA, rows, BUSY_TIMEOUT_MS)
        return cls(conn, path)

    @classmethod
    def open(cls, path: Path) -> Store:
        conn = sqlite.open_existing(
            path,
            schema.APPLICATION_ID,
            "replica",
            BUSY_TIMEOUT_MS,
            missing="run `inbox init` or `inbox demo` first",
        )
        found = _migrate(conn, sqlite.meta_value(conn, "schema"))
        if found != str(schema.SCHEMA_VERSION):
            conn.close()
            raise StoreError(
                f"{path} has replica schema {found}; this inbox reads {schema.SCHEMA_VERSION}"
            )
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def write(self) -> sqlite.Transaction:
        """One atomic write (``sqlite.transaction``), behind the gate when there is one."""
        return sqlite.transaction(self.conn, self.gate)

    # -- meta --------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        return sqlite.meta_value(self.conn, key)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- documents ---------------------------------------------------------------------------

    def doc_updates(self, name: str) -> list[bytes]:
        """The snapshot (if any) then every update after it."""
        out: list[bytes] = []
        row = self.conn.execute("SELECT snapshot FROM docs WHERE name = ?", (name,)).fetchone()
        if row and row[0] is not None:
            out.append(unpack_snapshot(row[0], self.conn))
        out.extend(
            r[0]
            for r in self.conn.execute(
                "SELECT data FROM updates WHERE doc = ? ORDER BY seq", (name,)
            )
        )
        return out

    def fingerprints(self, names: Iterable[str]) -> dict[str, tuple[int, int]]:
        """What the stored form of each document that exists looks like now: to see that
        it did not change between reading it and writing what was built from it."""
        found: dict[str, tuple[int, int]] = {}
        wanted = list(names)
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            rows = self.conn.execute(
                "SELECT name, length(snapshot), (SELECT max(seq) FROM updates WHERE doc = name) "
                f"FROM docs WHERE name IN ({', '.join('?' * len(part))})",
                part,
            )
            found.update((str(r[0]), (int(r[1] or 0), int(r[2] or 0))) for r in rows)
        return found

    def doc_exists(self, name: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM docs WHERE name = ?", (name,)).fetchone() is not None
        )

    def append(self, name: str, update: bytes, local: bool = True) -> int:
        """Log an update; returns how many updates now wait for compaction."""
        self.conn.execute("INSERT INTO updates(doc, data) VALUES (?, ?)", (name, update))
        if local:
            self.mark_local(name)
        self.conn.execute(
            "INSERT INTO docs(name, pending) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET pending = pending + 1",
            (name,),
        )
        row = self.conn.execute("SELECT pending FROM docs WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def append_all(self, rows: list[tuple[str, bytes]]) -> None:
        """Log updates that came from elsewhere (a relay): nothing to send back."""
        self.conn.executemany("INSERT INTO updates(doc, data) VALUES (?, ?)", rows)
        self.conn.executemany(
            "INSERT INTO docs(name, pending) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET pending = pending + 1",
            [(name,) for name, _ in rows],
        )

    def put_snapshot(
        self, name: str, snapshot: bytes, local: bool = False, packed: bool = False
    ) -> None:
        """Replace a document's log by its replayed state (compaction); ``local`` when it
        holds changes made here that a relay has yet to see."""
        if local:
            self.mark_local(name)
        if not packed:
            snapshot = pack_snapshot(snapshot, newest_dictionary(self.conn, "snapshot"))
        self.conn.execute("DELETE FROM updates WHERE doc = ?", (name,))
        self.conn.execute(
            "INSERT INTO docs(name, snapshot, pending) VALUES (?, ?, 0) "
            "ON CONFLICT(name) DO UPDATE SET snapshot = excluded.snapshot, pending = 0",
            (name, snapshot),
        )

    def repack_snapshots(self) -> int:
        """Pack with the newest snapshot dictionary every snapshot that was packed
        otherwise (a replica's records from before it had one, at a reindex): the same
        bytes once unpacked. Returns how many; 1,000 are read at a time."""
        target = newest_dictionary(self.conn, "snapshot")
        if target is None:
            return 0
        done, after = 0, 0
        mine = b"z" + target.compress(b"")[:3]
        while rows := self.conn.execute(
            "SELECT rowid, snapshot FROM docs WHERE rowid > ? AND snapshot IS NOT NULL "
            "ORDER BY rowid LIMIT 1000",
            (after,),
        ).fetchall():
            after = int(rows[-1][0])
            packed = [
                (pack_snapshot(unpack_snapshot(stored, self.conn), target), rowid)
                for rowid, stored in rows
                if bytes(stored[:4]) != mine
            ]
            self.conn.executemany("UPDATE docs SET snapshot = ? WHERE rowid = ?", packed)
            done += len(packed)
        return done

    def mark_local(self, name: str) -> None:
        """Note a change made here for the relay; ``changes`` tells an acknowledgement of
        an earlier send from one that covers everything (see relay/client.py)."""
        self.conn.execute(
            "INSERT INTO outbox VALUES (?, 1) ON CONFLICT(doc) DO UPDATE SET changes = changes + 1",
            (name,),
        )

    def add_notices(self, texts: list[str], at: str) -> None:
        """News for the agent's next command (inside the caller's transaction)."""
        self.conn.executemany(
            "INSERT INTO notices(text, at) VALUES (?, ?)", [(t, at) for t in texts]
        )

    def take_notices(self) -> list[str]:
        """The news waiting, each taken once."""
        rows = self.conn.execute("SELECT seq, text FROM notices ORDER BY seq").fetchall()
        if rows:
            with self.write():
                self.conn.execute("DELETE FROM notices WHERE seq <= ?", (rows[-1][0],))
        return [str(r[1]) for r in rows]

    def data_version(self) -> int:
        """Moves whenever another connection commits: how a long-running process notices
        what other ``inbox`` commands wrote, without reading anything."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def for_bulk(self, cache_mb: int, wal_mb: int = 64) -> None:
        """Settings for a process that writes many documents: a bigger page cache
        (SQLite's default is 2 MB), and the log copied into the file every ``wal_mb``
        rather than every 4 MB (0: never; another process checkpoints). A checkpoint
        copies each page the log holds, and the pages every transaction touches (index
        interiors, full-text segments) were being copied again every few transactions."""
        self.conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
        self.wal_pages(wal_mb * 256)

    def wal_pages(self, pages: int) -> int:
        """Set how many pages of log a commit here may leave before it checkpoints; returns
        the setting it replaces."""
        before = int(self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        return before

    def checkpoint(self) -> None:
        """Copy the log into the file without blocking writers (a passive checkpoint): done
        by a process that waits for workers, so their commits need not do it while the
        others wait for the lock."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def vacuum(self) -> None:
        """Give free pages back to the file system (after a bulk import drained its queue)."""
        self.conn.executescript("PRAGMA incremental_vacuum;")  # execute() frees one page a call

    def doc_names(self, prefix: str) -> Iterator[str]:
        cur = self.conn.execute(
            "SELECT name FROM docs WHERE name >= ? AND name < ? ORDER BY name",
            (prefix, prefix + "\U0010ffff"),
        )
        return (r[0] for r in cur)


def _run_step(conn: Connection, step: schema.Step) -> None:
    if isinstance(step, str):
        conn.execute(step)
        return
    table, column, kind = step
    if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _migrate(conn: Connection, version: str | None) -> str | None:
    """Bring an older replica up to this schema, in one transaction per step."""
    while version is not None and version.isdigit() and int(version) in schema.MIGRATIONS:
        step = int(version)
        with sqlite.transaction(conn):
            if sqlite.meta_value(conn, "schema") == version:  # another process may have done it
                for statement in schema.MIGRATIONS[step]:
                    _run_step(conn, statement)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(step + 1),))
        version = sqlite.meta_value(conn, "schema")
    return version
