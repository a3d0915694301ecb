"""The replica store: one SQLite file in WAL mode, the only module that imports sqlite3.

Tables
    meta            key/value: format marker, schema, workspace, agent
    docs            per document: compacted snapshot (replayed, then encoded)
    updates         per-document update log since the snapshot
    outbox          documents with local changes a relay has not yet acknowledged
    synced          per document, the state vector the relay last acknowledged
    presence        teammates' presence as the sync process last heard it
    doing           what this agent is doing (viewing, typing), for the sync process to tell
    notices         news for the agent's next command (a tentative claim that lost)
    staged          a long run of the relay's log, kept until it is built (remote.drain)
    dictionaries    zstd dictionaries trained on this replica's own views and snapshots
    conversations   the materialised index, one row per conversation (+ view)
    ... and the other derived tables of ``index.py``

Every change to a document and to what is derived from it commits in one
``BEGIN IMMEDIATE`` transaction, so any number of processes can share a replica:
writers queue on the lock (busy timeout), readers never block. Processes of one
job (a bulk import's or a sync's workers) also share a ``gate``: a lock taken
before the transaction, so they wait their turn asleep rather than in SQLite's
busy loop, which sleeps in growing steps and is not fair.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from crdt.errors import StoreError

APPLICATION_ID = 0x696E6278  # "inbx"
SCHEMA_VERSION = 5
FORMAT = "inbox-replica"
COMPACT_AFTER = 64  # updates per document before they are folded into its snapshot
BUSY_TIMEOUT_MS = 60_000

Connection = sqlite3.Connection
Row = sqlite3.Row
DatabaseError = sqlite3.DatabaseError

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(name TEXT PRIMARY KEY, snapshot BLOB, pending INTEGER NOT NULL DEFAULT 0);
CREATE TABLE updates(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX updates_by_doc ON updates(doc, seq);
CREATE TABLE outbox(doc TEXT PRIMARY KEY, changes INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
CREATE TABLE synced(doc TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE presence(client INTEGER PRIMARY KEY, agent TEXT NOT NULL, state TEXT NOT NULL,
    seen_at TEXT NOT NULL);
CREATE TABLE doing(what TEXT PRIMARY KEY, conversation TEXT, since TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE notices(seq INTEGER PRIMARY KEY, text TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE staged(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX staged_by_doc ON staged(doc, seq);
CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL);
"""
# Each step brings a replica of the schema before it up to the next.
MIGRATIONS = {
    1: (
        "ALTER TABLE outbox ADD COLUMN changes INTEGER NOT NULL DEFAULT 1",
        "CREATE TABLE synced(doc TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID",
        "CREATE TABLE presence(client INTEGER PRIMARY KEY, agent TEXT NOT NULL, "
        "state TEXT NOT NULL, seen_at TEXT NOT NULL)",
        "CREATE TABLE doing(what TEXT PRIMARY KEY, conversation TEXT, since TEXT NOT NULL) "
        "WITHOUT ROWID",
    ),
    2: ("CREATE TABLE notices(seq INTEGER PRIMARY KEY, text TEXT NOT NULL, at TEXT NOT NULL)",),
    3: (
        "CREATE TABLE staged(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL)",
        "CREATE INDEX staged_by_doc ON staged(doc, seq)",
    ),
    4: (
        "CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL)",
    ),
}


LZ4 = b"L"  # tags what ``compress`` makes; no zlib stream or zstd frame begins with it
DICTIONARY = b"D"  # tags a zstd frame made with one of the replica's dictionaries (id follows)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # how a zstd frame begins; a zlib stream never does
ZSTD_LEVEL = 3
DICTIONARY_BYTES = 32 * 1024
TRAIN_SAMPLES = 500  # records a dictionary is trained on: more make it no better


_ZSTD: Any = None


def _zstd() -> Any:
    """The standard library's zstd (Python 3.14), else its backport: both train
    dictionaries and load them, which the ``zstd`` package cannot. Found once: an import
    that fails is looked for again each time (~0.4 M instructions)."""
    global _ZSTD
    if _ZSTD is None:
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            from backports import zstd
        _ZSTD = zstd
    return _ZSTD


class Dictionary:
    """A zstd dictionary of this replica, with what packing and unpacking with it need,
    made once per process.

    Views and snapshots are small records of one replica's mail: on their own they
    compress to ~39-46% (LZ4) or ~30-34% (zstd); a dictionary trained on a few hundred of
    them holds what they share (JSON keys, the Yjs encoding of every message's fields,
    our addresses and names, common words) and brings each to ~21-25%, small enough for
    two rows to share a 4 KB page where one took it whole."""

    __slots__ = ("_compressor", "_tag", "_zstd_dict", "ident")

    def __init__(self, ident: int, data: bytes) -> None:
        zstd = _zstd()
        self.ident = ident
        self._tag = DICTIONARY + ident.to_bytes(2, "big")
        self._zstd_dict = zstd.ZstdDict(data)
        self._compressor: Any = None

    def compress(self, data: bytes) -> bytes:
        """A frame without the dictionary's id (the tag has ours) or a checksum (SQLite
        keeps its own); one compressor for every frame, since making one costs more
        than a small record's compression."""
        if self._compressor is None:
            zstd = _zstd()
            options = {
                zstd.CompressionParameter.compression_level: ZSTD_LEVEL,
                zstd.CompressionParameter.dict_id_flag: 0,
                zstd.CompressionParameter.checksum_flag: 0,
            }
            self._compressor = zstd.ZstdCompressor(options=options, zstd_dict=self._zstd_dict)
        frame = self._compressor.compress(data, self._compressor.FLUSH_FRAME)
        return self._tag + cast(bytes, frame)

    def decompress(self, frame: bytes) -> bytes:
        digested = self._zstd_dict.as_digested_dict  # made once, kept by the dictionary
        return cast(bytes, _zstd().decompress(frame, zstd_dict=digested))


def compress(data: bytes, dictionary: Dictionary | None = None) -> bytes:
    """With one of the replica's dictionaries (``newest_dictionary``), zstd; without, LZ4:
    a 12 KB view or snapshot in ~35 us and back in ~11 (zstd at level 1: 65-80 and 35;
    zlib: 190), at 1.35x zstd's size. A replica compresses with LZ4 until it holds
    enough conversations to train its dictionaries on (``train_dictionary``)."""
    if dictionary is not None:
        return dictionary.compress(data)
    import lz4.block

    return LZ4 + cast(bytes, lz4.block.compress(data))


def decompress(blob: bytes, conn: sqlite3.Connection | None = None) -> bytes:
    """What ``compress`` makes, or the zstd frames and zlib streams replicas wrote before.
    ``conn``: the replica the blob comes from, whose dictionary it may need."""
    tag = blob[:1]
    if tag == DICTIONARY:
        if conn is None:
            raise StoreError("this record needs its replica's compression dictionary")
        return dictionary(conn, int.from_bytes(blob[1:3], "big")).decompress(blob[3:])
    if tag == LZ4:
        import lz4.block

        return cast(bytes, lz4.block.decompress(blob[1:]))
    if blob[:4] == ZSTD_MAGIC:
        import zstd

        return bytes(zstd.decompress(blob))
    return zlib.decompress(blob)


def dictionary(conn: sqlite3.Connection, ident: int) -> Dictionary:
    """One of the replica's dictionaries, read once per connection: they never change."""
    cache: dict[int, Dictionary] | None = getattr(conn, "dictionaries", None)
    if cache is not None and ident in cache:
        return cache[ident]
    row = conn.execute("SELECT data FROM dictionaries WHERE id = ?", (ident,)).fetchone()
    if row is None:
        raise StoreError(f"the replica lacks compression dictionary {ident}; it is damaged")
    found = Dictionary(ident, bytes(row[0]))
    if cache is not None:
        cache[ident] = found
    return found


def newest_dictionary(conn: sqlite3.Connection, kind: str) -> Dictionary | None:
    """What new records of ``kind`` ("view", "snapshot") are packed with, if anything."""
    row = conn.execute("SELECT max(id) FROM dictionaries WHERE kind = ?", (kind,)).fetchone()
    return None if row[0] is None else dictionary(conn, int(row[0]))


def train_dictionary(conn: sqlite3.Connection, kind: str, samples: list[bytes]) -> bool:
    """Train and keep a dictionary for ``kind`` from records of this replica, inside the
    caller's transaction; False when there are too few to learn from.

    Each replica trains its own: what it packs never leaves it (a relay is sent Yjs
    updates), so no two replicas need to agree on one."""
    if len(samples) < TRAIN_SAMPLES // 2:
        return False
    zstd = _zstd()
    try:
        trained = zstd.train_dict(samples, DICTIONARY_BYTES)
    except zstd.ZstdError:  # records too small or too alike to learn anything from
        return False
    conn.execute("INSERT INTO dictionaries(kind, data) VALUES (?, ?)", (kind, trained.dict_content))
    return True


def pack_snapshot(snapshot: bytes, dictionary: Dictionary | None = None) -> bytes:
    return b"z" + compress(snapshot, dictionary)


def unpack_snapshot(stored: bytes, conn: sqlite3.Connection | None = None) -> bytes:
    return decompress(stored[1:], conn) if stored[:1] == b"z" else stored[1:]


class _Connection(sqlite3.Connection):
    """A replica's connection: it keeps the dictionaries it has read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dictionaries: dict[int, Dictionary] = {}


class Store:
    """An open replica file."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.gate: Any = None  # a lock shared with worker processes (crdt/workers.py)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, schema_extra: str, meta: dict[str, str]) -> Store:
        if path.exists():
            raise StoreError(f"{path} already exists; nothing was changed")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path, new=True)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("BEGIN IMMEDIATE")
            for statement in (SCHEMA + schema_extra).split(";"):
                if statement.strip():
                    conn.execute(statement)
            rows = {"format": FORMAT, "schema": str(SCHEMA_VERSION), **meta}
            conn.executemany("INSERT INTO meta VALUES (?, ?)", rows.items())
            conn.commit()
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        return cls(conn, path)

    @classmethod
    def open(cls, path: Path) -> Store:
        if not path.exists():
            raise StoreError(f"no replica at {path}: run `inbox init` or `inbox demo` first")
        _check_ours(path)
        try:
            conn = _connect(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open replica {path}: {exc}") from exc
        schema = _migrate(conn, _meta(conn, "schema"))
        if schema != str(SCHEMA_VERSION):
            conn.close()
            raise StoreError(
                f"{path} has replica schema {schema}; this inbox reads {SCHEMA_VERSION}"
            )
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all.

        Whatever is raised once BEGIN has run rolls back, even a signal's exception
        (Ctrl-C stopping a watcher) that lands between BEGIN and the body: a transaction
        left open would make the connection's next write fail."""
        gate = self.gate
        if gate is not None:
            gate.acquire()
        try:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"replica is busy or unwritable: {exc}") from exc
            yield self.conn
            self.conn.commit()
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        finally:
            if gate is not None:
                gate.release()

    # -- meta --------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        return _meta(self.conn, key)

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


def application_id(path: Path) -> int:
    """A SQLite file's application id, read without writing to it (``DatabaseError`` when
    it is not SQLite): how a store knows a file is its own before touching it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def _check_ours(path: Path) -> None:
    """Look before touching: a file that is not a replica is left byte for byte as it was."""
    try:
        app_id = application_id(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not an inbox replica ({exc}); it was left as it is") from exc
    if app_id != APPLICATION_ID:
        raise StoreError(f"{path} is a SQLite file of another program; it was left as it is")


def _connect(path: Path, new: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        factory=_Connection,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if new:  # before the first page is written: freed pages can be given back (vacuum)
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.DatabaseError(f"cannot use WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _migrate(conn: sqlite3.Connection, schema: str | None) -> str | None:
    """Bring an older replica up to this schema, in one transaction per step."""
    while schema is not None and schema.isdigit() and int(schema) in MIGRATIONS:
        version = int(schema)
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _meta(conn, "schema") == schema:  # another process may have done it
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(version + 1),))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        schema = _meta(conn, "schema")
    return schema


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"not an inbox replica: {exc}") from exc
    return None if row is None else str(row[0])
