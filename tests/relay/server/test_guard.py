"""Who gets in, and what a bad socket can do: nothing to anyone else."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from relay import protocol as p
from tests.conftest import run_inbox
from tests.relay.relays import RelayProcess, Watcher, wait_for

DANA, BEN = "dana@acme.example.com", "ben@acme.example.com"


def socket_url(relay: RelayProcess) -> str:
    return f"ws://127.0.0.1:{relay.port}/sync"


async def _open(relay: RelayProcess, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await connect(socket_url(relay), additional_headers=headers, open_timeout=5)


def _refused(relay: RelayProcess, token: str | None) -> bool:
    async def attempt() -> bool:
        try:
            ws = await _open(relay, token)
        except InvalidStatus as exc:
            return exc.response.status_code == 403
        await ws.close()
        return False

    return asyncio.run(attempt())


def test_tokens_are_stored_hashed_and_a_bad_one_gets_nothing(
    relay: RelayProcess, tmp_path: Path
) -> None:
    token = relay.token(DANA).read_text().strip()
    secret = token.split("_", 2)[2]  # inbox_<id>_<secret>; the secret may hold "_"
    assert secret.encode() not in relay.store.read_bytes()
    assert _refused(relay, None)
    assert _refused(relay, token[:-2] + "xx")
    forged = tmp_path / "forged.token"
    forged.write_text("inbox_000000000000_" + "A" * 43)
    done = run_inbox(tmp_path / "x", "join", relay.url, "--token-file", str(forged))
    assert done.returncode == 4, done.stderr
    assert not (tmp_path / "x" / "replica.db").exists()


def test_a_token_of_another_workspace_is_refused(relay: RelayProcess, tmp_path: Path) -> None:
    other = RelayProcess(tmp_path)  # another store, never started: only its token is used
    other.store = tmp_path / "other.db"
    token = other.token(DANA)
    done = run_inbox(tmp_path / "x", "join", relay.url, "--token-file", str(token))
    assert done.returncode == 4


def test_revoking_closes_the_agents_socket_at_once(relay: RelayProcess, tmp_path: Path) -> None:
    home = relay.join(tmp_path / "a", DANA)
    watcher = Watcher(home)
    try:
        assert wait_for(lambda: "connected" in watcher.logged())
        revoked = run_inbox(
            relay.where, "relay", "token", "revoke", DANA, "--store", str(relay.store)
        )
        assert revoked.returncode == 0, revoked.stderr
        assert wait_for(lambda: watcher.proc.poll() is not None, timeout=10)
    finally:
        code = watcher.stop()
    assert code == 4, watcher.logged()
    assert "token revoked" in relay.logged()


def test_malformed_frames_drop_only_that_socket(relay: RelayProcess, tmp_path: Path) -> None:
    token = relay.token(DANA).read_text().strip()
    rng = random.Random(7)

    update = p.sync("c:" + "a" * 32, p.UPDATE, b"\x01\x01\x02\x00")
    frames = [
        os.urandom(40),
        update[:-3],  # truncated
        p.var_bytes(b"") + p.var_uint(42),  # unknown kind
        p.sync("../etc/passwd", p.UPDATE, b"\x00\x00"),  # not a document of the workspace
        p.sync("c:" + "b" * 32, p.UPDATE, bytes(rng.getrandbits(8) for _ in range(64))),
    ]
    for frame in frames:
        assert asyncio.run(_closed_after(relay, token, [frame]))
    home = relay.join(tmp_path / "a", BEN)  # the relay is still up for everyone else
    assert run_inbox(home, "sync").returncode == 0
    conn = sqlite3.connect(relay.store)
    docs = {r[0] for r in conn.execute("SELECT DISTINCT doc FROM log")}
    conn.close()
    assert docs <= {"ws:agents"}  # nothing of the garbage was stored


def test_a_flooding_socket_is_dropped(relay: RelayProcess) -> None:
    token = relay.token(DANA).read_text().strip()

    state = p.sync("ws:agents", p.STEP1, b"\x00")
    assert asyncio.run(_closed_after(relay, token, [state] * 40_000))
    assert "flooding" in relay.logged()


async def _closed_after(relay: RelayProcess, token: str, frames: list[bytes]) -> bool:
    """Say HELLO, send ``frames``, and read until the relay closes the socket."""
    ws = await _open(relay, token)
    try:
        await ws.send(p.number("", p.HELLO, 0))
        for frame in frames:
            await ws.send(frame)
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    except ConnectionClosed:
        return True
    finally:
        await ws.close()
