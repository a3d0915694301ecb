"""Replicas converge through a real relay process: join, sync, watch, offline, restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from crdt.replica import Replica
from relay import protocol as p
from relay.client.address import Relay
from relay.client.link import Link, open_socket
from relay.client.tokens import kept_token
from tests.conftest import add_chats, run_inbox
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
    relay.stop()
    ok(b, "claim", ident)  # offline, tentative: ben's clock is earlier ...
    ok(a, "claim", ident)
    assert json.loads(ok(a, "show", ident, "--json"))["assignee_tentative"] is True
    relay.start()
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


def test_a_presence_frame_that_cannot_be_read_is_skipped(
    relay: RelayProcess, tmp_path: Path
) -> None:
    home = relay.join(tmp_path / "a", DANA)
    replica = Replica.open(home)
    notes: list[str] = []
    ws = open_socket(Relay(relay.url), kept_token(home))
    try:
        link = Link(replica, ws, say=notes.append)
        crowd = [p.Awareness(i, 1, {"status": "online"}) for i in range(p.MAX_PEERS + 1)]
        for _ in range(2):
            link.handle(p.decode(p.awareness(p.awareness_update(crowd))))
        ben = p.Awareness(7, 1, {"status": "online", "agent": BEN})
        link.handle(p.decode(p.awareness(p.awareness_update([ben]))))
        heard = link.skipped
    finally:
        ws.close()
        replica.close()
    assert heard == 2
    assert len(notes) == 1 and "too many awareness entries" in notes[0]
    assert [w["agent"] for w in json.loads(ok(home, "who", "--json"))] == [BEN]


def _big_chat(home: Path, megabytes: float) -> str:
    line = "2026-12-01 10:00:00 ERROR the export failed again; the trace follows\n"
    body = (line * int(megabytes * 2**20 / len(line) + 1))[: int(megabytes * 2**20)]
    chat = {"visitor": "noisy@example.com", "at": "2026-12-01T10:00:00Z", "messages": []}
    chat["messages"] = [["in", "Here is the whole log"], ["in", body]]
    return add_chats(home, [chat])[0]


def test_a_document_over_a_frame_syncs_in_pieces_both_ways(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    watcher = Watcher(b)
    try:
        big = _big_chat(a, 12)  # a pasted log: the update is over 8 MB
        synced = run_inbox(a, "sync")
        assert synced.returncode == 0, synced.stderr
        body = lambda: json.loads(ok(b, "show", big, "--json"))["messages"][-1]["body"]  # noqa: E731
        assert wait_for(lambda: run_inbox(b, "show", big).returncode == 0, timeout=30)
        assert len(body()) == 12 * 2**20
        ident = json.loads(ok(a, "list", "--json"))[-1]["id"]
        ok(a, "tag", ident, "--add", "after-the-log")
        ok(a, "sync")
        assert wait_for(lambda: ok(b, "list", "--tag", "after-the-log", "-0"), timeout=10)
    finally:
        code = watcher.stop()
    assert code == 130 and "connection lost" not in watcher.logged(), watcher.logged()
    c = relay.join(tmp_path / "c", DANA)  # a new replica takes it from the log, in pieces
    assert len(json.loads(ok(c, "show", big, "--json"))["messages"][-1]["body"]) == 12 * 2**20


def test_a_document_too_big_even_in_pieces_is_said_and_the_rest_syncs(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    big = _big_chat(a, 31)
    ident = json.loads(ok(a, "list", "--json"))[-1]["id"]
    ok(a, "tag", ident, "--add", "beside-the-log")
    synced = run_inbox(a, "sync")
    assert synced.returncode == 0, synced.stderr
    assert f"c:{big} is too big to send" in synced.stderr
    ok(b, "sync")
    assert ok(b, "list", "--tag", "beside-the-log", "-0").strip("\0") == ident
    assert run_inbox(b, "show", big).returncode == 5  # not there; nothing looped
    again = run_inbox(a, "sync")
    assert again.returncode == 0 and "too big to send" in again.stderr


def test_a_long_outbox_goes_a_window_at_a_time_and_all_of_it_arrives(
    relay: RelayProcess, tmp_path: Path, monkeypatch: Any
) -> None:
    """A replica sends no more than the window unanswered, reading the relay's answers and
    catch-up meanwhile (a 100k outbox sent all at once had the relay drop the socket)."""
    from relay.client import link

    a = relay.join(tmp_path / "a", DANA)
    ok(a, "import", str(MBOX))  # 7 new conversations: more than the window below
    monkeypatch.setattr(link, "WINDOW", 2)
    most = 0
    sending = link.Link._send_more

    def counted(self: Link) -> int:
        nonlocal most
        sent = sending(self)
        most = max(most, self._flying)
        return sent

    monkeypatch.setattr(link.Link, "_send_more", counted)
    replica = Replica.open(a)
    try:
        waiting = len(replica.store.conn.execute("SELECT doc FROM outbox").fetchall())
        done = link.sync_once(replica, Relay.of(replica), kept_token(a))
        assert waiting == done.sent == 7 and most == 2
    finally:
        replica.close()
    b = relay.join(tmp_path / "b", BEN)
    assert views(b) == views(a)
