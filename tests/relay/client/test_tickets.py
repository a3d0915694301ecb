"""Ticket numbers come from the relay: real relay process, real replicas. Offline a ticket
is tentative; two replicas making one conversation a ticket end with one number; two
conversations never share one; numbers survive a restart; a forged number is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from crdt.replica import Replica
from relay.store import SCHEMA_VERSION, RelayStore
from tests.conftest import new_home, run_inbox
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, ok, pair


def ticket(home: Path, ident: str) -> dict[str, Any]:
    found = json.loads(ok(home, "show", ident, "--json"))["ticket"]
    assert found is not None
    return dict(found)


def conversations(home: Path, n: int) -> list[str]:
    return [c["id"] for c in json.loads(ok(home, "list", "--json", "--limit", str(n)))]


def test_a_ticket_made_online_is_numbered_at_once(relay: RelayProcess, tmp_path: Path) -> None:
    a, _ = pair(relay, tmp_path)
    ident = conversations(a, 1)[0]
    made = json.loads(ok(a, "ticket", ident, "--type", "incident", "--json"))
    assert made["ticket"]["number"] == 1 and made["ticket"]["tentative"] is False
    assert made["changed"] == ["made a ticket (incident)"]
    shown = run_inbox(a, "show", ident)
    assert "ticket #1 incident new" in shown.stdout
    assert "dana made this ticket #1 (incident)" in shown.stdout


def test_two_replicas_making_one_conversation_a_ticket_offline_end_with_one_number(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    ident, other = conversations(a, 2)
    ok(a, "ticket", other)  # #1: numbers go on across conversations
    ok(b, "sync")
    relay.stop()
    done = run_inbox(a, "ticket", ident, "--type", "incident")
    assert done.returncode == 0, done.stderr
    assert "#? (tentative)" in done.stdout
    assert ticket(a, ident)["tentative"] is True
    assert (
        run_inbox(b, "ticket", ident, "--type", "problem", "--field", "order=A-1").returncode == 0
    )
    relay.start()
    for home in (a, b, a):
        ok(home, "sync")
    seen_a, seen_b = ticket(a, ident), ticket(b, ident)
    assert seen_a == seen_b
    assert seen_a["number"] == 2 and seen_a["tentative"] is False
    assert seen_a["type"] == "incident"  # the make the relay took first: Dana's, synced first
    assert seen_a["fields"] == {"order": "A-1"}
    assert ticket(a, other)["number"] == 1
    listed = json.loads(ok(b, "ticket", "list", "--status", "all", "--json"))
    assert sorted(t["ticket"]["number"] for t in listed) == [1, 2]
    made = [e for e in json.loads(ok(b, "show", ident, "--json"))["activity"]]
    assert {(e["who"], e["detail"]) for e in made if e["action"] == "ticket"} == {
        (DANA, "incident"),
        (BEN, "problem"),
    }


def test_numbers_increase_across_a_relay_restart(relay: RelayProcess, tmp_path: Path) -> None:
    a, _ = pair(relay, tmp_path)
    first, second, third = conversations(a, 3)
    ok(a, "ticket", first)
    ok(a, "ticket", second)
    relay.stop()
    relay.start()
    ok(a, "ticket", third, "--type", "task")
    ok(a, "ticket", first, "--type", "problem")  # a change: its number stays
    assert [ticket(a, i)["number"] for i in (first, second, third)] == [1, 2, 3]


def test_a_workflow_move_it_does_not_allow_exits_3(relay: RelayProcess, tmp_path: Path) -> None:
    a, b = pair(relay, tmp_path)
    ident = conversations(a, 1)[0]
    ok(a, "ticket", ident, "--status", "solved")
    ok(a, "ticket", ident, "--status", "closed")
    ok(b, "sync")
    done = run_inbox(b, "ticket", ident, "--status", "open")
    assert done.returncode == 3, done.stderr
    assert "#1 is closed: it cannot move to open" in done.stderr
    assert ticket(b, ident)["status"] == "closed"


def test_a_ticket_number_forged_by_a_replica_is_refused(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    ident, other = conversations(a, 2)
    ok(b, "ticket", other)  # #1 is Ben's
    forged = {"action": "make", "by": DANA, "at": "2026-12-07T09:00:00.000Z", "value": "task"}
    replica = Replica.open(a)  # a modified client: writes what `inbox ticket` never would
    try:
        replica.edit(
            ident, lambda d: d.map("ticket").__setitem__("f" * 32, {**forged, "number": 1})
        )
    finally:
        replica.close()
    assert ticket(a, ident)["number"] == 1  # the forgery shows here, before the relay
    done = run_inbox(a, "sync")
    assert done.returncode == 4 and "only the relay" in done.stderr, done.stderr
    assert json.loads(ok(a, "show", ident, "--json"))["ticket"] is None
    ok(b, "sync")
    assert json.loads(ok(b, "show", ident, "--json"))["ticket"] is None
    assert ticket(b, other)["number"] == 1
    assert BEN in ticket(b, other)["made_by"]


def test_a_schema_8_relay_store_gains_the_counter_and_numbers_from_1(tmp_path: Path) -> None:
    path = tmp_path / "relay.db"
    RelayStore.open(path, create=True).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'ticket_number'")
        conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema'")
    conn.close()
    with RelayStore.open(path) as store:
        assert store.meta("schema") == str(SCHEMA_VERSION)
        with store.write():
            assert [store.next_ticket_number() for _ in range(2)] == [1, 2]
    with RelayStore.open(path) as store, store.write():  # taken for good, across a reopening
        assert store.next_ticket_number() == 3


def test_tickets_made_alone_are_numbered_when_the_relay_is_made_from_the_replica(
    tmp_path: Path,
) -> None:
    home = new_home(tmp_path / "dana")
    ok(home, "import", str(MBOX))
    first, second = conversations(home, 2)
    ok(home, "ticket", second, "--type", "task")
    ok(home, "ticket", first)
    assert ticket(home, first)["tentative"] is True
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, from_replica=home).start()
    try:
        ok(home, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
        numbers = {ticket(home, i)["number"] for i in (first, second)}
        assert numbers == {1, 2}
        ben = relay.join(tmp_path / "ben", BEN)
        third = conversations(ben, 3)[2]
        ok(ben, "ticket", third)
        assert ticket(ben, third)["number"] == 3  # the counter goes on after the seed's
    finally:
        relay.stop()
