"""Time the relay with real processes on loopback; print JSON (BENCHMARKS.md has the table).

    python benchmarks/relay_bench.py                          # 100k conversations
    python benchmarks/relay_bench.py --conversations 5000     # a quick look

1. A relay store of N conversations (3 messages each, ~670 B encoded, as the
   map measured) is written once into benchmarks/work/.
2. `inbox relay serve` on it; `inbox join` of a fresh replica, --joins times (median;
   the hypervisor's steal of CPU time meanwhile is reported beside each).
3. Reconnect: `inbox sync` of that up-to-date replica, whole process, median of
   --runs; bytes on the wire counted by a TCP proxy in front of the relay.
4. Fan-out: 50 agent sockets; agent A sends a change, and the time until each
   other agent has it is recorded (p50/p99): when the kernel put it in that agent's
   socket, and when the receiving process (ws_receivers.py, all 49 in one) read it;
   an `inbox sync --watch` replica among them shows when the change is in a replica
   (`inbox list` would see it).
5. Relay RSS with 500 agent sockets open, and 200 sockets receiving every change
   at 100 updates/s (p99 of arrival).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
INBOX = [str(Path(sys.executable).parent / "inbox")]

from steal import cpu_times, steal_pct  # noqa: E402

from crdt.model import conversation  # noqa: E402
from crdt.model.ids import new_id  # noqa: E402
from crdt.model.ydoc import Doc  # noqa: E402
from relay import protocol as p  # noqa: E402
from relay.store import RelayStore  # noqa: E402

AGENT = "dana@acme.example.com"


def make_store(path: Path, n: int) -> None:
    if path.exists():
        return
    print(f"writing a relay store of {n} conversations ...", file=sys.stderr)
    store = RelayStore.open(path, create=True, workspace="bench")
    batch: list[tuple[str, bytes]] = []
    for i in range(n):
        ident = new_id()
        doc = Doc()
        at = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000Z"
        conversation.create(
            doc,
            conversation_id=ident,
            subject=f"Question {i} about my invoice",
            channel="email",
            mailbox="support@acme.example.com",
            customer=f"customer{i}@example.com",
            customer_name=f"Customer {i}",
            who=f"customer{i}@example.com",
            at=at,
        )
        for k in range(3):
            conversation.add_message(
                doc,
                {
                    "id": new_id(),
                    "direction": "in" if k % 2 == 0 else "out",
                    "channel": "email",
                    "from": f"customer{i}@example.com" if k % 2 == 0 else AGENT,
                    "body": f"Message {k} of conversation {i}: the invoice total looks wrong.",
                    "created_at": at,
                },
                f"customer{i}@example.com",
                at,
            )
        batch.append((f"c:{ident}", doc.get_update()))
        if len(batch) >= 1000:
            _flush(store, batch)
    _flush(store, batch)
    store.close()


def _flush(store: RelayStore, batch: list[tuple[str, bytes]]) -> None:
    with store.write():
        for name, data in batch:
            store.append(name, data)
    batch.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(home: Path) -> dict[str, str]:
    return {**os.environ, "INBOX_HOME": str(home)}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def token(store: Path, agent: str, where: Path) -> Path:
    out = subprocess.run(
        [*INBOX, "relay", "token", "create", agent, "--store", str(store)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = where / f"{agent}.token"
    path.write_text(out)
    return path


class Proxy:
    """A TCP proxy that counts the bytes passing each way."""

    def __init__(self, target: int) -> None:
        self.target, self.port = target, free_port()
        self.up = self.down = 0

    async def _pipe(self, r: asyncio.StreamReader, w: asyncio.StreamWriter, up: bool) -> None:
        while data := await r.read(65536):
            if up:
                self.up += len(data)
            else:
                self.down += len(data)
            w.write(data)
            await w.drain()
        w.close()

    async def _client(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        tr, tw = await asyncio.open_connection("127.0.0.1", self.target)
        await asyncio.gather(self._pipe(r, tw, True), self._pipe(tr, w, False))

    async def serve(self) -> asyncio.Server:
        return await asyncio.start_server(self._client, "127.0.0.1", self.port)


def set_url(home: Path, url: str) -> None:
    conn = sqlite3.connect(home / "replica.db")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'relay_url'", (url,))
    conn.commit()
    conn.close()


async def reconnects(home: Path, relay_port: int, runs: int) -> dict[str, Any]:
    proxy = Proxy(relay_port)
    server = await proxy.serve()
    set_url(home, f"http://127.0.0.1:{proxy.port}")
    # first in step: the extra joins logged their agents' entries after this replica's join
    warm = await asyncio.create_subprocess_exec(
        *INBOX, "sync", env=env_for(home), stderr=asyncio.subprocess.DEVNULL
    )
    assert await warm.wait() == 0
    walls, wire = [], []
    for _ in range(runs):
        proxy.up = proxy.down = 0
        start = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *INBOX, "sync", env=env_for(home), stderr=asyncio.subprocess.DEVNULL
        )
        assert await proc.wait() == 0
        walls.append(time.perf_counter() - start)
        await asyncio.sleep(0.05)
        wire.append(proxy.up + proxy.down)
    server.close()
    set_url(home, f"http://127.0.0.1:{relay_port}")
    return {"median_ms": round(statistics.median(walls) * 1000, 1), "bytes": max(wire)}


async def _socket(port: int, tok: str) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(
        f"ws://127.0.0.1:{port}/sync",
        additional_headers={"Authorization": f"Bearer {tok}"},
        max_size=None,
        compression=None,
    )
    await ws.send(p.number("", p.HELLO, 10**12))  # up to date: no catch-up
    while p.decode(await ws.recv()).kind != p.IN_STEP:
        pass
    return ws


async def _drain(ws: Any) -> None:
    """Read a socket as an agent does: the sender is sent others' changes too (a website
    visitor's, in chat_load.py), and a socket nobody reads backs up into the relay."""
    async for _ in ws:
        pass


def _tag_update(doc: Doc, n: int) -> bytes:
    before = doc.get_state()
    conversation.add_tag(doc, f"bench{n}x", AGENT, "2026-11-28T10:00:00.000Z")
    return doc.get_update(before)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


async def fan_out(
    port: int, tokens: list[str], changes: int, rate: float, watch_home: Path | None
) -> dict[str, Any]:
    """One sender, ``tokens[0]``: AGENT's (the relay takes a tag signed by its own writer
    only); the other agents receive in a process of their own (ws_receivers.py).

    Latency is from just before the sender's write to when the change was in a
    receiver's socket (the kernel's stamp) and to when that process read it."""
    sender = await _socket(port, tokens[0])
    reading = asyncio.create_task(_drain(sender))  # what else the relay sends it
    ident = new_id()
    doc = Doc()
    conversation.create(
        doc,
        conversation_id=ident,
        subject="fan-out",
        channel="email",
        mailbox=None,
        customer="c@example.com",
        customer_name=None,
        who=AGENT,
        at="2026-11-28T10:00:00.000Z",
    )
    name = f"c:{ident}"
    await sender.send(p.sync(name, p.UPDATE, doc.get_update()))
    receivers = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "ws_receivers.py"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert receivers.stdin is not None and receivers.stdout is not None
    job = {"port": port, "tokens": tokens[1:], "doc": name, "changes": changes}
    receivers.stdin.write(json.dumps(job).encode())
    receivers.stdin.close()
    if (await receivers.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the receivers did not start")
    sent_at: dict[int, int] = {}
    in_replica: list[float] = []

    async def watch_replica() -> None:
        assert watch_home is not None
        conn = sqlite3.connect(watch_home / "replica.db")
        recorded: set[int] = set()
        while len(recorded) < changes:
            row = conn.execute("SELECT tags FROM conversations WHERE id = ?", (ident,)).fetchone()
            now = time.time_ns()
            for t in json.loads(row[0]) if row else []:
                n = int(t[5:-1])
                if n not in recorded and n in sent_at:
                    recorded.add(n)
                    in_replica.append((now - sent_at[n]) / 1e9)
            await asyncio.sleep(0.001)
        conn.close()

    await asyncio.sleep(0.5)
    watching = asyncio.create_task(watch_replica()) if watch_home is not None else None
    for n in range(changes):
        update = _tag_update(doc, n)
        sent_at[n] = time.time_ns()
        await sender.send(p.sync(name, p.UPDATE, update))
        await asyncio.sleep(1 / rate)
    records = json.loads(await asyncio.wait_for(receivers.stdout.read(), 60))
    await receivers.wait()
    if watching is not None:
        await asyncio.wait_for(watching, 60)
    reading.cancel()
    await sender.close()
    in_socket = [(stamp - sent_at[n]) / 1e9 for n, stamp, _ in records]
    read = [(read_ns - sent_at[n]) / 1e9 for n, _, read_ns in records]
    out = {
        "p50_ms": percentile(in_socket, 0.5),
        "p99_ms": percentile(in_socket, 0.99),
        "read_p50_ms": percentile(read, 0.5),
        "read_p99_ms": percentile(read, 0.99),
    }
    if in_replica:
        out["in_replica_p50_ms"] = percentile(in_replica, 0.5)
        out["in_replica_p99_ms"] = percentile(in_replica, 0.99)
    return out


async def hold_sockets(port: int, tokens: list[str], pid: int) -> float:
    sockets = []
    for t in tokens:
        sockets.append(await _socket(port, t))
    await asyncio.sleep(1.0)
    rss = rss_mb(pid)
    for ws in sockets:
        await ws.close()
    return round(rss, 1)


def timed_join(port: int, live: Path, run_dir: Path, home: Path) -> dict[str, float]:
    """One fresh `inbox join`: wall seconds, and the share of the machine's CPU time the
    hypervisor gave to others meanwhile (steal): on a shared machine it moves the wall
    time by tens of percent, so it is reported beside it."""
    before = cpu_times()
    start = time.perf_counter()
    subprocess.run(
        [
            *INBOX,
            "join",
            f"http://127.0.0.1:{port}",
            "--token-file",
            str(token(live, AGENT, run_dir)),
        ],
        env=env_for(home),
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), "steal_pct": steal_pct(before, cpu_times())}


def _interruptible() -> None:
    """In the watcher, before it starts: SIGINT stops it, as Ctrl-C would, even when this
    script was started by a shell that left SIGINT ignored (a background job of a script)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--joins", type=int, default=3, help="fresh joins timed (median)")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    n = args.conversations
    args.work.mkdir(parents=True, exist_ok=True)
    store = args.work / f"relay-{n}.db"
    make_store(store, n)
    run_dir = args.work / f"relay-run-{n}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    live = run_dir / "relay.db"
    shutil.copy(store, live)
    port = free_port()
    relay = subprocess.Popen(
        [*INBOX, "relay", "serve", "--port", str(port), "--store", str(live)],
        stderr=open(run_dir / "relay.log", "w"),  # noqa: SIM115
    )
    results: dict[str, Any] = {"conversations": n}
    machine = cpu_times()
    try:
        time.sleep(1.5)
        home = run_dir / "dana"
        joins = [timed_join(port, live, run_dir, home)]
        for extra in range(args.joins - 1):
            joins.append(timed_join(port, live, run_dir, run_dir / f"again{extra}"))
            shutil.rmtree(run_dir / f"again{extra}")
        results["join_runs"] = joins
        results["join_seconds"] = statistics.median(j["seconds"] for j in joins)
        print(f"join: {joins}", file=sys.stderr)
        results["join_replica_conversations"] = (
            sqlite3.connect(home / "replica.db")
            .execute("SELECT count(*) FROM conversations")
            .fetchone()[0]
        )
        results["reconnect"] = asyncio.run(reconnects(home, port, args.runs))
        agents = [AGENT] + [f"agent{i}@acme.example.com" for i in range(1, 500)]
        store_conn = RelayStore.open(live)
        tokens = [store_conn.create_token(a, "agent", "2026-11-28T10:00:00.000Z") for a in agents]
        store_conn.close()
        watcher = subprocess.Popen(
            [*INBOX, "sync", "--watch"],
            env=env_for(home),
            stderr=subprocess.DEVNULL,
            preexec_fn=_interruptible,
        )
        try:
            time.sleep(2)
            results["fan_out_50"] = asyncio.run(fan_out(port, tokens[:50], 300, 50.0, home))
        finally:
            watcher.send_signal(signal.SIGINT)
            watcher.wait()
        results["rss_500_sockets_mb"] = asyncio.run(hold_sockets(port, tokens, relay.pid))
        results["fan_out_200_at_100_per_s"] = asyncio.run(
            fan_out(port, tokens[:201], 500, 100.0, None)
        )
        results["relay_rss_after_mb"] = round(rss_mb(relay.pid), 1)
        results["steal_pct_whole_run"] = steal_pct(machine, cpu_times())
    finally:
        relay.terminate()
        relay.wait()
        print(json.dumps(results, indent=2))
    (args.work / f"relay-results-{n}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
