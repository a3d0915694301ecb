"""A socket's bounds: its queue in bytes, how many a token may hold, and why it closed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from relay import protocol as p
from relay.client.websocket import Closed, WebSocket
from tests.conftest import run_inbox
from tests.relay.attackers import EVIL, big_conversation, held_by_relay, hello, read_token
from tests.relay.relays import DANA, RelayProcess, ok, pair, rss_mb, wait_for


def close_of(ws: WebSocket, timeout: float = 20.0) -> tuple[int, str, int]:
    """Read until the relay closes ``ws``: its close code, reason, and the frames before."""
    frames = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if ws.recv(1.0) is not None:
                frames += 1
    except Closed as exc:
        return exc.code, exc.reason, frames
    finally:
        ws.sock.close()
    raise AssertionError("the relay did not close the socket")


def test_a_slow_consumer_is_dropped_by_bytes_and_resumes(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    assert relay.proc is not None
    slow = hello(relay.url, read_token(b / "relay-token"))  # ben's socket, read late
    deaf = hello(relay.url, read_token(b / "relay-token"))  # ... and one never read
    sender = hello(relay.url, read_token(a / "relay-token"))
    before = rss_mb(relay.proc.pid)
    assert wait_for(lambda: held_by_relay(relay.port, deaf.sock))
    try:
        for _ in range(24):  # 24 x 3 MB passed on to sockets that take nothing
            name, update = big_conversation(3 * 1024 * 1024, DANA)
            sender.send(p.sync(name, p.UPDATE, update))
        assert wait_for(lambda: relay.logged().count("too far behind") == 2, timeout=30)
        peak = rss_mb(relay.proc.pid, "VmHWM") - before
        code, reason, _ = close_of(slow)
        let_go = wait_for(lambda: not held_by_relay(relay.port, deaf.sock), timeout=30)
    finally:
        sender.close()
        deaf.sock.close()
    assert code == 4000 and "too far behind" in reason
    assert let_go
    # the ceiling the limits make: loaded documents (64 MB of entries, held as documents
    # and as plain values) and two queues of 32 MB with a piece in flight; unbounded, the
    # two queues alone would hold 2 x 72 MB on top of the documents
    assert peak < 240, f"the relay grew {peak:.0f} MB"
    ok(b, "sync")  # it resumes from its cursor: all of it arrives
    assert len(json.loads(ok(b, "list", "--status", "all", "--json"))) == 7 + 24


def test_a_token_holds_a_few_sockets_and_more_are_refused_with_a_reason(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    token = read_token(a / "relay-token")
    held = [hello(relay.url, token) for _ in range(3)]
    try:
        time.sleep(0.3)
        refused = run_inbox(a, "sync")
        extra = hello(relay.url, token)
        code, reason, _ = close_of(extra)
    finally:
        for ws in held:
            ws.close()
    assert refused.returncode == 1
    assert "too many sockets for this token (limit 3)" in refused.stderr
    assert (code, reason) == (1008, "too many sockets for this token (limit 3)")
    assert wait_for(lambda: run_inbox(a, "sync").returncode == 0)  # once they are gone


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (p.var_bytes(b"") + p.var_uint(42), 1008, "protocol error: unknown message kind 42"),
        (p.sync("../etc", p.UPDATE, b"\0\0"), 1008, "document name '../etc' is not in the"),
        (p.sync("ws:agents", p.UPDATE, b"\0" * p.MAX_FRAME), 1009, "protocol error: frame"),
    ],
)
def test_a_socket_dropped_for_a_violation_is_told_why(
    relay: RelayProcess, frame: bytes, code: int, reason: str
) -> None:
    ws = hello(relay.url, read_token(relay.token(EVIL)))
    ws.send(frame)
    closed = close_of(ws)
    assert closed[:2] == (code, closed[1]) and closed[1].startswith(reason), closed
    assert len(closed[1].encode()) <= 123
