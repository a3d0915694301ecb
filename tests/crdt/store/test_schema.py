"""An older replica is brought up to this schema when it is opened, its data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crdt.store import schema
from tests.conftest import new_home, run_inbox
from tests.relay.relays import MBOX, ok


def test_a_replica_of_schema_6_gains_the_drafts_index_and_sorted_indexes(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    ok(home, "import", str(MBOX))
    before = ok(home, "list", "--status", "all")
    conn = sqlite3.connect(home / "replica.db")
    with conn:
        conn.execute("DROP TABLE drafts")
        conn.execute("DROP INDEX conversations_priority")
        conn.execute("DROP INDEX conversations_updated")
        conn.execute("CREATE INDEX conversations_updated ON conversations(updated_at)")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema'")
    conn.close()
    assert ok(home, "who", "--json").strip() == "[]"
    assert ok(home, "list", "--status", "all") == before
    conn = sqlite3.connect(home / "replica.db")
    found = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
    made = {r[0]: r[1] for r in conn.execute("SELECT name, sql FROM sqlite_master")}
    conn.close()
    assert found == str(schema.SCHEMA_VERSION) and "drafts" in made
    assert "conversations_priority" in made and "updated_at, id" in made["conversations_updated"]
    assert run_inbox(home, "reindex").returncode == 0


def test_replies_are_indexed_by_delivery_state(tmp_path: Path) -> None:
    from crdt.replica import Replica

    home = new_home(tmp_path / "home")
    ok(home, "import", str(MBOX))
    first = ok(home, "list", "--limit", "1", "-0").strip("\0")
    ok(home, "claim", first)
    ok(home, "reply", first, "-m", "Hi, on it.")
    with Replica.open(home) as replica:
        (queued,) = replica.deliveries("queued")
        assert queued["conversation"] == first
        assert queued["message"] not in {d["message"] for d in replica.deliveries("sent")}
        shown = replica.conversation(first)
        message = next(m for m in shown["messages"] if m["id"] == queued["message"])
        assert message["delivery"] == "queued" and message["delivery_at"] == queued["at"]
    assert run_inbox(home, "reindex").returncode == 0
    with Replica.open(home) as replica:
        assert [d["message"] for d in replica.deliveries("queued")] == [queued["message"]]


def test_a_replica_of_schema_8_gains_the_sla_columns_before_the_view(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    ok(home, "import", str(MBOX))
    before = ok(home, "list", "--status", "all")
    found = ok(home, "search", "invoice")
    conn = sqlite3.connect(home / "replica.db")
    with conn:
        conn.execute("DROP INDEX conversations_sla")
        conn.execute("DROP INDEX conversations_due")
        for column in ("sla_policy", "sla_due", "sla_warn", "sla_done", "sla_facts"):
            conn.execute(f"ALTER TABLE conversations DROP COLUMN {column}")
        conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema'")
    conn.close()
    assert ok(home, "list", "--status", "all") == before
    assert ok(home, "search", "invoice") == found  # the row ids the search index names
    conn = sqlite3.connect(home / "replica.db")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(conversations)")]
    conn.close()
    assert columns[-1] == "view" and "sla_due" in columns and "sla_facts" in columns
    # the rows indexed before the clocks get their facts from their views
    assert (
        run_inbox(home, "sla", "add", "std", "--first-response", "1h", "--default").returncode == 0
    )
    assert ok(home, "list", "--sla", "breaching", "--status", "all")


def test_a_replica_of_schema_9_gains_the_tickets_index_and_a_reindex_fills_it(
    tmp_path: Path,
) -> None:
    home = new_home(tmp_path / "home")
    ok(home, "import", str(MBOX))
    first = ok(home, "list", "--limit", "1", "-0").strip("\0")
    conn = sqlite3.connect(home / "replica.db")
    with conn:
        conn.execute("DROP TABLE tickets")
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema'")
    conn.close()
    ok(home, "ticket", first, "--type", "incident")
    assert ok(home, "ticket", "list", "-0").strip("\0") == first
    conn = sqlite3.connect(home / "replica.db")
    with conn:
        conn.execute("DELETE FROM tickets")  # derived: a reindex makes it again
    conn.close()
    assert ok(home, "ticket", "list", "-0") == ""
    assert run_inbox(home, "reindex").returncode == 0
    assert ok(home, "ticket", "list", "-0").strip("\0") == first


def test_a_replica_of_schema_10_gains_the_change_sequence_of_every_row(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    ok(home, "import", str(MBOX))
    conn = sqlite3.connect(home / "replica.db")
    with conn:
        conn.execute("DROP TABLE index_changes")
        conn.execute("UPDATE meta SET value = '10' WHERE key = 'schema'")
    conn.close()
    assert ok(home, "list", "--status", "all")
    conn = sqlite3.connect(home / "replica.db")
    ids = {r[0] for r in conn.execute("SELECT id FROM conversations")}
    numbered = dict(conn.execute("SELECT id, seq FROM index_changes").fetchall())
    conn.close()
    assert set(numbered) == ids and len(ids) == 7
    first = sorted(ids)[0]
    ok(home, "tag", first, "--add", "later")  # numbered as it is written, past every row
    conn = sqlite3.connect(home / "replica.db")
    (seq,) = conn.execute("SELECT seq FROM index_changes WHERE id = ?", (first,)).fetchone()
    conn.close()
    assert seq == max(numbered.values()) + 1
