"""A long catch-up is built by worker processes as it arrives, with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from crdt.replica import Replica
from crdt.store import index
from crdt.sync import builder
from tests.conftest import INBOX, ROOT, add_chats
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


def listed(home: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        ok(home, "list", "--status", "all", "--limit", "0", "--json")
    )
    return rows


def test_a_join_of_many_conversations_is_built_by_the_workers(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    add_chats(a, chats(3 * builder.BUILD_ABOVE + 10))  # more than one run of the log
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    assert len(listed(b)) == 3 * builder.BUILD_ABOVE + 10
    assert listed(b) == listed(a)
    found = json.loads(ok(b, "search", "number 77", "--json"))
    assert [r["customer"] for r in found] == ["visitor77@example.com"]
    conn = sqlite3.connect(b / "replica.db")
    head = conn.execute("SELECT value FROM meta WHERE key = 'relay_cursor'").fetchone()[0]
    conn.close()
    assert int(head) >= 3 * builder.BUILD_ABOVE + 10  # the cursor passed every run


def test_a_join_killed_midway_is_finished_by_the_next_sync(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    total = 3000
    add_chats(a, chats(total))
    ok(a, "sync")
    b = tmp_path / "b"
    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    env["INBOX_HOME"] = str(b)
    join = subprocess.Popen(
        [*INBOX, "join", relay.url, "--token-file", str(relay.token(BEN))],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stored = 0
    deadline = time.monotonic() + 60
    while not 0 < stored < total and join.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
        stored = _stored(b / "replica.db")
    os.kill(join.pid, signal.SIGKILL)
    join.wait()
    assert 0 < stored < total, "the join was not caught midway"
    ok(b, "sync")
    assert listed(b) == listed(a)


def _stored(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:  # still being created
        return 0


def test_staged_updates_of_an_earlier_version_are_stored_by_the_next_sync(
    relay: RelayProcess, tmp_path: Path
) -> None:
    """Replicas of schema 4 kept a long run of the log in ``staged`` before building it;
    one that crashed in between holds updates whose cursor has moved past them."""
    a = relay.join(tmp_path / "a", DANA)
    add_chats(a, chats(builder.BUILD_ABOVE + 5))
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    replica = Replica.open(b)
    try:
        names = list(replica.store.doc_names("c:"))
        updates = [(n, u) for n in names for u in replica.store.doc_updates(n)]
        with replica.store.write() as conn:  # as the crash left it: staged, not built
            index.clear(conn)
            conn.execute("DELETE FROM docs WHERE name LIKE 'c:%'")
            conn.execute("DELETE FROM updates WHERE doc LIKE 'c:%'")
            conn.executemany("INSERT INTO staged(doc, data) VALUES (?, ?)", updates)
    finally:
        replica.close()
    assert listed(b) == []
    ok(b, "sync")
    assert listed(b) == listed(a)
    conn = sqlite3.connect(b / "replica.db")
    assert conn.execute("SELECT count(*) FROM staged").fetchone()[0] == 0
    conn.close()
