"""The replica file: refuses what is not ours, never overwrites, survives kills."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crdt.errors import StoreError
from crdt.replica import Replica
from crdt.store.documents import Store


def test_garbage_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "replica.db").write_bytes(b"this is not a database" * 100)
    before = (tmp_path / "replica.db").read_bytes()
    with pytest.raises(StoreError, match="not an inbox replica"):
        Replica.open(tmp_path)
    assert (tmp_path / "replica.db").read_bytes() == before


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "replica.db")
    conn.execute("CREATE TABLE notes(x)")
    conn.commit()
    conn.close()
    before = (tmp_path / "replica.db").read_bytes()
    with pytest.raises(StoreError, match="another program"):
        Replica.open(tmp_path)
    assert (tmp_path / "replica.db").read_bytes() == before


def test_init_never_overwrites_an_existing_replica(tmp_path: Path) -> None:
    Replica.create(tmp_path, workspace="a", agent="dana@acme.example.com", name=None).close()
    with pytest.raises(StoreError, match="already exists"):
        Replica.create(tmp_path, workspace="b", agent="ben@acme.example.com", name=None)
    assert Replica.open(tmp_path).workspace == "a"


def test_missing_replica_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="inbox init"):
        Replica.open(tmp_path / "nowhere")


def test_failed_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "r.db", {})
    with pytest.raises(RuntimeError), store.write():
        store.append("c:x", b"\x00\x00")
        raise RuntimeError("boom")
    assert store.doc_updates("c:x") == []
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


class _InterruptedAfterBegin:
    """A connection where Ctrl-C lands just after BEGIN has run (a signal's exception is
    raised between two bytecodes: here, before the body of the write starts)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        cursor = self.conn.execute(sql, *args)
        if sql == "BEGIN IMMEDIATE":
            raise KeyboardInterrupt
        return cursor


def test_an_interrupt_just_after_begin_leaves_no_transaction_open(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "r.db", {})
    conn = store.conn
    store.conn = _InterruptedAfterBegin(conn)  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt), store.write():
        store.append("c:x", b"\x00\x00")
    store.conn = conn
    assert not conn.in_transaction
    with store.write():  # the next write works (it failed: a transaction within a transaction)
        store.append("c:x", b"\x00\x00")
    assert len(store.doc_updates("c:x")) == 1


def test_compaction_replaces_the_log_by_a_snapshot(tmp_path: Path) -> None:
    from crdt import actions
    from crdt.store.documents import COMPACT_AFTER
    from tests.conftest import add_chats

    Replica.create(tmp_path, workspace="a", agent="dana@acme.example.com", name=None).close()
    [ident] = add_chats(
        tmp_path,
        [{"visitor": "v@example.com", "at": "2026-01-01T00:00:00Z", "messages": [["in", "hi"]]}],
    )
    replica = Replica.open(tmp_path)
    for n in range(COMPACT_AFTER + 5):
        actions.tag(replica, [ident], [f"t{n}"], [])
    updates = replica.store.doc_updates(f"c:{ident}")
    assert len(updates) == 1 + 6  # the snapshot and the updates after it
    actions.reindex(replica)

    assert len(replica.conversation(ident)["tags"]) == COMPACT_AFTER + 5


def test_vacuum_gives_free_pages_back(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "r.db", {})
    with store.write():
        for n in range(200):
            store.append(f"c:{n}", bytes(4000))
    with store.write():
        store.conn.execute("DELETE FROM updates")
    free = store.conn.execute("PRAGMA freelist_count").fetchone()[0]
    assert free > 100
    store.vacuum()
    assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_snapshots_and_views_written_with_zlib_or_zstd_still_read(tmp_path: Path) -> None:
    """Replicas compressed with zlib, then zstd, before lz4; what they hold reads back."""
    import zlib

    import zstd

    from crdt.model import ydoc
    from crdt.store import index
    from crdt.store.compression import LZ4, compress, decompress

    data = b"a view" * 50
    assert compress(data)[:1] == LZ4 and decompress(compress(data)) == data
    assert decompress(zlib.compress(data, 1)) == data
    assert decompress(zstd.compress(data, 1)) == data
    view = {"id": "c1", "subject": "Grüße", "messages": []}
    old = zlib.compress(json.dumps(view, ensure_ascii=False).encode(), 1)
    assert index.unpack_view(old) == view == index.unpack_view(index.pack_view(view))
    replica = Replica.create(tmp_path, workspace="w", agent="ana@example.com", name=None)
    doc = ydoc.Doc()
    doc.map("meta")["id"] = "c1"
    with replica.store.write() as conn:
        conn.execute(
            "INSERT INTO docs(name, snapshot) VALUES (?, ?)",
            ("c:c1", b"z" + zlib.compress(doc.get_update())),
        )
    assert ydoc.load(replica.store.doc_updates("c:c1")).map("meta").get("id") == "c1"


def test_a_store_and_a_replica_close_on_leaving_a_with_block(tmp_path: Path) -> None:
    with Store.create(tmp_path / "r.db", {}) as store:
        assert store.meta("format") == "inbox-replica"
    with pytest.raises(sqlite3.ProgrammingError):
        store.conn.execute("SELECT 1")
    Replica.create(tmp_path / "home", workspace="w", agent="a@example.com", name=None).close()
    with Replica.open(tmp_path / "home") as replica:
        assert replica.agent == "a@example.com"
    with pytest.raises(sqlite3.ProgrammingError):
        replica.store.conn.execute("SELECT 1")
