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
from tests.relay.relays import BEN, RelayProcess, Watcher, ok, pair, wait_for


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
        agent = BEN

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
    ok(a, "claim", ident)
    ok(b, "claim", ident)  # both offline: each believes it holds it, tentatively
    ok(a, "sync")
    synced = run_inbox(b, "sync")
    assert synced.returncode == 0
    told = synced.stderr + run_inbox(b, "list").stderr
    assert f"your claim on {ident[:8]} lost: dana got there first" in told
    assert "lost" not in run_inbox(b, "list").stderr  # once
