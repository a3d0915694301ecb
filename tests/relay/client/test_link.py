"""Replicas converge through a real relay process: join, sync, watch, offline, restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, Watcher, ok, pair, wait_for


def views(home: Path) -> list[dict[str, Any]]:
    """Every conversation as `show --json` prints it, minus what differs by design."""
    out = []
    for row in json.loads(ok(home, "list", "--status", "all", "--json")):
        view = json.loads(ok(home, "show", row["id"], "--json"))
        view.pop("presence", None)
        out.append(view)
    return out


def log_size(relay: RelayProcess) -> int:
    conn = sqlite3.connect(relay.store)
    try:
        return int(conn.execute("SELECT count(*) FROM log").fetchone()[0])
    finally:
        conn.close()


def test_join_pulls_everything_a_teammate_synced(relay: RelayProcess, tmp_path: Path) -> None:
    a, b = pair(relay, tmp_path)
    assert views(b) == views(a)
    assert len(views(b)) == 7
    agents = json.loads(ok(b, "agent", "list", "--json"))
    assert {x["email"] for x in agents} == {DANA, BEN}


def test_offline_changes_on_both_sides_converge_and_replay_adds_nothing(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    first, second = [r["id"] for r in json.loads(ok(a, "list", "--json"))][:2]
    ok(a, "tag", first, "--add", "refund")  # both offline from here
    ok(a, "note", first, "-m", "@ben can you check?")
    ok(b, "tag", first, "--remove", "refund", "--add", "billing")
    ok(b, "close", second)
    ok(a, "sync")
    ok(b, "sync")
    ok(a, "sync")
    assert views(a) == views(b)
    shown = json.loads(ok(b, "show", first, "--json"))
    assert set(shown["tags"]) == {"refund", "billing"}  # add wins over an unseen remove
    assert [n["body"] for n in shown["notes"]] == ["@ben can you check?"]
    before = log_size(relay)
    ok(a, "sync")
    ok(b, "sync")
    assert log_size(relay) == before  # nothing unacknowledged, nothing sent twice


def test_watch_passes_a_change_on_within_moments(relay: RelayProcess, tmp_path: Path) -> None:
    a, b = pair(relay, tmp_path)
    watchers = [Watcher(a), Watcher(b)]
    try:
        ident = json.loads(ok(a, "list", "--json"))[0]["id"]
        ok(a, "tag", ident, "--add", "urgent-ish")
        seen = wait_for(lambda: ok(b, "list", "--tag", "urgent-ish", "-0"))
        assert seen.strip("\0") == ident
    finally:
        codes = [w.stop() for w in watchers]
    assert codes == [130, 130], [w.logged() for w in watchers]


def test_a_relay_killed_and_restarted_loses_nothing_it_acknowledged(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    ok(a, "import", str(MBOX))
    ok(a, "sync")  # returns only when the relay acknowledged every document
    relay.kill()
    ident = json.loads(ok(a, "list", "--json"))[0]["id"]
    ok(a, "tag", ident, "--add", "offline")  # the relay is down: kept in the outbox
    assert run_inbox(a, "sync").returncode == 1
    relay.start()
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    assert views(b) == views(a)
    assert "offline" in json.loads(ok(b, "show", ident, "--json"))["tags"]


def test_claims_are_ordered_by_the_relay_on_every_replica(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    ident = json.loads(ok(a, "list", "--json"))[0]["id"]
    ok(b, "claim", ident)  # offline, tentative: ben's clock is earlier ...
    ok(a, "claim", ident)
    assert json.loads(ok(a, "show", ident, "--json"))["assignee_tentative"] is True
    ok(a, "sync")  # ... but dana's claim reaches the relay first
    ok(b, "sync")
    ok(a, "sync")
    for home in (a, b):
        shown = json.loads(ok(home, "show", ident, "--json"))
        assert shown["assignee"] == DANA
        assert shown["assignee_tentative"] is False
        assert [c["agent"] for c in shown["lost_claims"]] == [BEN]
    again = run_inbox(b, "claim", ident)
    assert again.returncode == 3
    assert "dana" in again.stderr
