"""Connections that never become websockets are bounded in number and in time."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.relay.attackers import closed_by_peer, idle_tcp
from tests.relay.relays import DANA, RelayProcess, ok

PENDING, TIMEOUT = 64, 2.0


@pytest.fixture
def strict_relay(tmp_path: Path) -> Iterator[RelayProcess]:
    where = tmp_path / "relay"
    where.mkdir()
    limits = {"handshakes": PENDING, "handshake_timeout": TIMEOUT}
    process = RelayProcess(where, limits=limits).start()
    yield process
    process.stop()


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_idle_connections_are_closed_and_a_join_still_gets_in(
    strict_relay: RelayProcess, tmp_path: Path
) -> None:
    relay = strict_relay
    assert relay.proc is not None
    idle = idle_tcp(relay.port, 300)  # they say nothing, ever
    try:
        time.sleep(0.5)
        held = open_files(relay.proc.pid)
        started = time.monotonic()
        home = relay.join(tmp_path / "a", DANA)  # a real replica, meanwhile
        joined = time.monotonic() - started
        ok(home, "sync")
        evicted = sum(closed_by_peer(s, 0.05) for s in idle[: 300 - PENDING])
        time.sleep(TIMEOUT + 0.5)
        left_open = sum(not closed_by_peer(s, 0.05) for s in idle)
    finally:
        for s in idle:
            s.close()
    assert held < PENDING + 40, f"{held} files open with 300 idle connections"
    assert evicted == 300 - PENDING  # past the cap, the oldest went at once
    assert left_open == 0  # and the rest when their time was up
    assert joined < 10
    assert "were not websockets within 2 s" in relay.logged()
