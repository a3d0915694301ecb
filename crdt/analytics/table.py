"""The analytics store: a DuckDB file beside the replica, derived from its index.

``analytics.duckdb`` holds ``conversations``, ``messages`` and ``events`` (the rows of
``rows.py``) and ``meta``: what the replica's index was when they were made, its change
number (``seq``: the newest of ``index_changes``, which the index numbers in the same
transaction as each write of a row, its removal included; ``index.number_changes``). It
is never a source of truth: deleting it loses nothing, and ``refresh`` brings it up to
the index before each use, in three ways:

- current: the index's newest change number is the file's (one look at the end of
  ``index_changes_by_seq``: the same cost on a million conversations as on ten);
- incremental: the conversations whose number is past the file's (read along that
  index) are built again, or dropped when they are gone, when they are few;
- full: everything, into a new file renamed over the old one, so a build stopped
  half way leaves the last whole one. Long builds run in the replica's two worker
  processes, each writing its share of rows as CSV that DuckDB then reads in bulk.

A write is numbered whatever its time stamps say, so a change that reaches the replica
stamped earlier than everything the file holds (an agent offline for a while) is seen
too. The number is read before the rows are, so a write made during a build is built
again by the next refresh. No process keeps the file open: each command opens it,
computes, and closes it (DuckDB lets one process at a time have a file; another waits
for it, up to ``WAIT`` seconds).
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from crdt.analytics import rows
from crdt.errors import InboxError
from crdt.replica import Replica
from crdt.store import queries
from crdt.store.compression import decompress
from crdt.store.documents import Store
from crdt.store.sqlite import Connection

FILE = "analytics.duckdb"
LAYOUT = "2"  # what the tables and meta are; another layout is built anew
WAIT = 30.0  # seconds to wait for another process's hold on the file
INCREMENTAL_MAX = 20_000  # conversations built again in place; more: a full build
WORKERS_ABOVE = 20_000  # conversations: more are built by the worker processes
PART = 50_000  # row ids per worker job

TABLES = {
    "conversations": rows.CONVERSATION_COLUMNS,
    "messages": rows.MESSAGE_COLUMNS,
    "events": rows.EVENT_COLUMNS,
}
TIMES = {"created_at", "first_inbound_at", "first_response_at", "resolved_at", "updated_at", "at"}
INTEGERS = {"message_count"}


class AnalyticsError(InboxError):
    """The analytics file could not be opened or built."""

    code = "analytics"


class Built(NamedTuple):
    how: str  # current | incremental | full
    conversations: int  # built now
    seconds: float


def path_of(replica: Replica) -> Path:
    return replica.home / FILE


@contextmanager
def opened(path: Path) -> Iterator[Any]:
    """The file for this command alone, closed when it is done."""
    import duckdb

    deadline = time.monotonic() + WAIT
    while True:
        try:
            duck = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise AnalyticsError(f"cannot open {path}: {exc}") from None
            time.sleep(0.1)
    try:
        yield duck
    finally:
        duck.close()


def refresh(replica: Replica, rebuild: bool = False) -> Built:
    """The file brought up to the replica's index (see the module's docstring)."""
    start = time.monotonic()
    now = queries.change_number(replica.store.conn)
    path = path_of(replica)
    if path.exists() and not rebuild:
        with opened(path) as duck:
            kept = _meta(duck)
            if kept.get("layout") == LAYOUT and kept.get("seq", "").isdigit():
                if int(kept["seq"]) == now:
                    return Built("current", 0, time.monotonic() - start)
                n = _incremental(replica, duck, int(kept["seq"]), now)
                if n is not None:
                    return Built("incremental", n, time.monotonic() - start)
    n = _full(replica, path, now)
    return Built("full", n, time.monotonic() - start)


def _meta(duck: Any) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in duck.execute("SELECT key, value FROM meta").fetchall()}
    except Exception:  # no meta table: not a file of ours, or one left half made
        return {}


def _set_meta(duck: Any, now: int) -> None:
    duck.execute("CREATE TABLE IF NOT EXISTS meta(key VARCHAR PRIMARY KEY, value VARCHAR)")
    duck.execute("DELETE FROM meta")
    duck.executemany("INSERT INTO meta VALUES (?, ?)", [("layout", LAYOUT), ("seq", str(now))])


def _incremental(replica: Replica, duck: Any, kept: int, now: int) -> int | None:
    """Build again what the index has changed since change ``kept`` (and drop what it
    removed); how many conversations, or None when a full build is due."""
    conn = replica.store.conn
    count = "SELECT count(*) FROM (SELECT 1 FROM index_changes WHERE seq > ? LIMIT ?)"
    if conn.execute(count, (kept, INCREMENTAL_MAX + 1)).fetchone()[0] > INCREMENTAL_MAX:
        return None
    found = conn.execute(  # one read: the ids dropped and the views built again agree
        "SELECT x.id, c.view FROM index_changes x LEFT JOIN conversations c ON c.id = x.id "
        "WHERE x.seq > ?",
        (kept,),
    ).fetchall()
    changed = [str(ident) for ident, _ in found]
    with tempfile.TemporaryDirectory(dir=replica.home, prefix=".analytics-") as stage:
        _stage(conn, [(v,) for _, v in found if v is not None], Path(stage), "inc")
        duck.execute("BEGIN")
        duck.execute("CREATE TEMP TABLE changed(id VARCHAR)")
        duck.executemany("INSERT INTO changed VALUES (?)", [(i,) for i in changed])
        duck.execute("DELETE FROM conversations WHERE id IN (SELECT id FROM changed)")
        duck.execute("DELETE FROM messages WHERE conversation IN (SELECT id FROM changed)")
        duck.execute("DELETE FROM events WHERE conversation IN (SELECT id FROM changed)")
        _load(duck, Path(stage), "INSERT INTO {table} ")
        _set_meta(duck, now)
        duck.execute("COMMIT")
    return len(changed)


def _full(replica: Replica, path: Path, now: int) -> int:
    conn = replica.store.conn
    fresh = path.with_name(f".{path.name}.building")
    fresh.unlink(missing_ok=True)
    count, top = conn.execute(
        "SELECT count(*), coalesce(max(rid), 0) FROM conversations"
    ).fetchone()
    with tempfile.TemporaryDirectory(dir=replica.home, prefix=".analytics-") as stage:
        where = Path(stage)
        if count > WORKERS_ABOVE:
            n = _stage_in_workers(replica.store, int(top), where)
        else:
            query = conn.execute("SELECT view FROM conversations WHERE view IS NOT NULL")
            n = len(_stage(conn, query, where, "all"))
        with opened(fresh) as duck:
            _load(duck, where, "CREATE TABLE {table} AS ")
            _set_meta(duck, now)
    os.replace(fresh, path)
    wal = path.with_name(path.name + ".wal")
    wal.unlink(missing_ok=True)
    return n


def _stage(conn: Connection, query: Any, where: Path, part: str) -> list[str]:
    """Rows of the views ``query`` gives, as one CSV file per table; their ids."""
    import orjson

    files = {t: open(where / f"{t}-{part}.csv", "w", newline="") for t in TABLES}  # noqa: SIM115
    try:
        out = {t: csv.writer(f) for t, f in files.items()}
        ids = []
        for (blob,) in query:
            conv, messages, found = rows.of_view(orjson.loads(decompress(blob, conn)))
            ids.append(str(conv[0]))
            out["conversations"].writerow(conv)
            out["messages"].writerows(messages)
            out["events"].writerows(found)
    finally:
        for f in files.values():
            f.close()
    return ids


def _stage_part(store: Store, job: tuple[int, int, str]) -> int:
    """A worker's share: the views of row ids ``lo`` to ``hi``."""
    lo, hi, where = job
    conn = store.conn
    query = conn.execute(
        "SELECT view FROM conversations WHERE rid >= ? AND rid < ? AND view IS NOT NULL",
        (lo, hi),
    )
    return len(_stage(conn, query, Path(where), str(lo)))


def _stage_in_workers(store: Store, top: int, where: Path) -> int:
    from crdt.store import pool

    jobs = [(lo, lo + PART, str(where)) for lo in range(0, top + 1, PART)]
    with pool.workers(store) as workers:
        results = [workers.apply_async(pool.run, (_stage_part, job)) for job in jobs]
        return sum(r.get() for r in results)


def _load(duck: Any, where: Path, verb: str) -> None:
    """Every table's CSV files into DuckDB, times and counts typed; ``verb``: how."""
    for table, columns in TABLES.items():
        names = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
        typed = ", ".join(_typed(c) for c in columns)
        glob = str(where / f"{table}-*.csv").replace("'", "''")
        duck.execute(
            verb.format(table=table)
            + f"SELECT {typed} FROM read_csv('{glob}', header = false, columns = {{{names}}}, "
            "quote = '\"', escape = '\"', nullstr = '', strict_mode = false)"
        )


def _typed(column: str) -> str:
    name = f'"{column}"'
    if column in TIMES:
        return f"try_cast(replace({name}, 'Z', '') AS TIMESTAMP) AS {name}"
    if column in INTEGERS:
        return f"try_cast({name} AS INTEGER) AS {name}"
    if column == "tags":
        return (
            "CASE WHEN tags IS NULL THEN []::VARCHAR[] ELSE string_split(tags, chr(31)) END AS tags"
        )
    return name


def drop(replica: Replica) -> None:
    """The file gone (it is derived): the next use builds it anew."""
    path = path_of(replica)
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    for stale in replica.home.glob(".analytics-*"):
        shutil.rmtree(stale, ignore_errors=True)
