"""A long catch-up is staged as it arrives and built by workers, with nothing lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crdt import index, remote
from crdt.replica import Replica
from tests.conftest import add_chats
from tests.relay.relays import BEN, DANA, RelayProcess, ok


def chats(n: int) -> list[dict[str, object]]:
    return [
        {
            "visitor": f"visitor{i}@example.com",
            "name": f"Visitor {i}",
            "at": f"2026-11-{1 + i % 27:02d}T10:{i % 60:02d}:00.000Z",
            "messages": [["in", f"Question number {i} about my order"], ["out", "On it."]],
        }
        for i in range(n)
    ]


def test_a_join_of_many_conversations_is_staged_and_built(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    add_chats(a, chats(3 * remote.STAGE_ABOVE + 10))  # more than one run of the log
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    rows_a = json.loads(ok(a, "list", "--status", "all", "--limit", "0", "--json"))
    rows_b = json.loads(ok(b, "list", "--status", "all", "--limit", "0", "--json"))
    assert len(rows_b) == 3 * remote.STAGE_ABOVE + 10
    assert rows_b == rows_a
    conn = sqlite3.connect(b / "replica.db")
    assert conn.execute("SELECT count(*) FROM staged").fetchone()[0] == 0
    conn.close()
    found = json.loads(ok(b, "search", "number 77", "--json"))
    assert [r["customer"] for r in found] == ["visitor77@example.com"]


def test_staged_updates_left_by_a_crash_are_built_by_the_next_sync(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    add_chats(a, chats(remote.STAGE_ABOVE + 5))
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    replica = Replica.open(b)  # as if a sync died after staging and before building
    try:
        names = list(replica.store.doc_names("c:"))
        updates = [(n, u) for n in names for u in replica.store.doc_updates(n)]
        with replica.store.write() as conn:  # the documents had not arrived yet
            index.clear(conn)
            conn.execute("DELETE FROM docs WHERE name LIKE 'c:%'")
            conn.execute("DELETE FROM updates WHERE doc LIKE 'c:%'")
        current = remote.cursor(replica)
        assert remote.receive(replica, updates, current).applied == 0  # staged, not applied
        assert len(remote.staged(replica)) == len(names)
    finally:
        replica.close()
    ok(b, "sync")
    assert len(json.loads(ok(b, "list", "--status", "all", "--limit", "0", "--json"))) == len(names)
