"""Presence travels between replicas: viewing, typing, who; a lost claim is told once."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from crdt.model.vocab import PRESENCE_EXPIRE
from crdt.replica import Replica
from crdt.sync import presence
from relay.protocol import Awareness
from relay.server.awareness import AwarenessStates
from tests.conftest import run_inbox
from tests.relay.attackers import EVIL, big_presence, hello, presence_flood, read_token
from tests.relay.relays import BEN, RelayProcess, Watcher, ok, pair, rss_mb, wait_for


def pair_on(relay: RelayProcess, tmp_path: Path) -> tuple[Path, Path, str]:
    a, b = pair(relay, tmp_path)
    return a, b, json.loads(ok(a, "list", "--json"))[0]["id"]


def test_viewing_and_typing_reach_the_other_replica(relay: RelayProcess, tmp_path: Path) -> None:
    a, b, ident = pair_on(relay, tmp_path)
    watchers = [Watcher(a), Watcher(b)]
    try:
        ok(b, "show", ident)  # ben looks at it
        here = wait_for(lambda: json.loads(ok(a, "show", ident, "--json"))["presence"])
        assert [(h["agent"], h["doing"]) for h in here] == [(BEN, "viewing")]
        assert "ben is viewing" in ok(a, "show", ident)
        listed = {r["id"]: r["presence"] for r in json.loads(ok(a, "list", "--json"))}
        assert [h["agent"] for h in listed[ident]] == [BEN]
        assert sum(len(v) for v in listed.values()) == 1
        who = json.loads(ok(a, "who", "--json"))
        assert [(w["agent"], w["viewing"]) for w in who] == [(BEN, ident)]
        replica = Replica.open(b)
        try:  # what `inbox reply` notes while its editor is open
            presence.note(replica, presence.TYPING, ident)
        finally:
            replica.close()
        assert wait_for(lambda: "ben is typing a reply" in ok(a, "show", ident))
    finally:
        watchers[1].proc.send_signal(signal.SIGKILL)  # gone without a goodbye
        watchers[1].proc.wait()
        gone = wait_for(lambda: not json.loads(ok(a, "who", "--json")))
        watchers[0].stop()
        watchers[1].stop()
    assert gone, "presence of a dead replica stayed"


def test_presence_expires_without_a_heartbeat() -> None:
    class Peer:
        agent, token_id = BEN, "t1"

    table = AwarenessStates()
    peer = Peer()
    changed = table.update(peer, [Awareness(5, 1, {"status": "online", "agent": "mallory"})])
    assert changed[0].state == {"status": "online", "agent": BEN}  # nobody speaks for another
    assert table.update(Peer(), [Awareness(5, 2, {"status": "away"})]) == []  # not its id
    assert table.expire() == []
    gone = table.expire(now=time.monotonic() + PRESENCE_EXPIRE + 1)
    assert [(g.client, g.state) for g in gone] == [(5, None)]
    assert table.snapshot() == []


def test_a_tentative_claim_that_lost_is_told_once(relay: RelayProcess, tmp_path: Path) -> None:
    a, b, ident = pair_on(relay, tmp_path)
    relay.stop()
    ok(a, "claim", ident)
    ok(b, "claim", ident)  # both offline: each believes it holds it, tentatively
    relay.start()
    ok(a, "sync")
    synced = run_inbox(b, "sync")
    assert synced.returncode == 0
    told = synced.stderr + run_inbox(b, "list").stderr
    assert f"your claim on {ident[:8]} lost: dana got there first" in told
    assert "lost" not in run_inbox(b, "list").stderr  # once


def test_a_socket_speaks_for_one_client_within_a_byte_budget() -> None:
    class Peer:
        agent, token_id = BEN, "t1"

    table = AwarenessStates()
    one, two = Peer(), Peer()
    flood = [Awareness(c, 1, {"status": "online"}) for c in range(1, 400)]
    assert [a.client for a in table.update(one, flood)] == [1]  # the first id it used
    assert table.update(one, [Awareness(2, 1, {"status": "online"})]) == []
    big = {"status": "online", "pad": "x" * 5000}
    assert table.update(two, [Awareness(9, 1, big)]) == []  # one state over 4 KB
    for n, peer in enumerate([Peer() for _ in range(8)]):  # the token's 16 KB fill up
        table.update(peer, [Awareness(100 + n, 1, {"pad": "y" * 3000})])
    assert table.bytes_of("t1") <= 16 * 1024
    assert len(table.snapshot()) == 1 + 5
    assert table.leave(one) == [Awareness(1, 2, None)]


def _tag_travels(a: Path, b: Path, ident: str, tag: str, within: float = 5.0) -> float | None:
    """Seconds for a tag made on ``a`` to be listed on ``b`` (None: not within)."""
    start = time.monotonic()
    ok(a, "tag", ident, "--add", tag)
    seen = wait_for(lambda: ok(b, "list", "--tag", tag, "-0"), timeout=within)
    return time.monotonic() - start if seen else None


def test_a_presence_flood_leaves_other_agents_syncing(relay: RelayProcess, tmp_path: Path) -> None:
    a, b, ident = pair_on(relay, tmp_path)
    watchers = [Watcher(a), Watcher(b)]
    evil = hello(relay.url, read_token(relay.token(EVIL)))
    try:
        assert wait_for(lambda: all("connected" in w.logged() for w in watchers))
        presence_flood(evil)  # 1,200 fake clients in 3 frames of 400
        time.sleep(0.5)
        synced = run_inbox(b, "sync")
        assert synced.returncode == 0, synced.stderr
        assert _tag_travels(a, b, ident, "after-flood") is not None
        who = json.loads(ok(b, "who", "--json"))
        assert len(who) <= 2, who  # dana, and the one client the socket may speak for
    finally:
        evil.close()
        logs = [w.logged() for w in watchers]
        codes = [w.stop() for w in watchers]
    assert codes == [130, 130], logs
    assert not any("connection lost" in log for log in logs), logs


def test_big_presence_states_cost_the_relay_nothing(relay: RelayProcess, tmp_path: Path) -> None:
    _, b = pair(relay, tmp_path)
    assert relay.proc is not None
    before = rss_mb(relay.proc.pid)
    evil = hello(relay.url, read_token(relay.token(EVIL)))
    try:
        big_presence(evil)  # 10 frames of 130 peers x 60 KB
        time.sleep(1.0)
        grown = rss_mb(relay.proc.pid) - before
        synced = run_inbox(b, "sync")
    finally:
        evil.close()
    # keeping the states would hold all 78 MB of them (the relay grew 90 MB before its
    # bounds); reading a 7.8 MB frame costs a few frames' worth that the allocator keeps
    assert grown < 60, f"the relay grew {grown:.0f} MB"
    assert synced.returncode == 0, synced.stderr
