"""The relay under one token's abuse: its memory and A -> B latency; prints JSON.

    python benchmarks/relay_attacks.py                 # 3 runs of every attack
    python benchmarks/relay_attacks.py --runs 1 --only presence_flood
    python benchmarks/relay_attacks.py --code ../other-checkout  # its relay and replicas
    python benchmarks/relay_attacks.py --only idle_tcp --nofile 1024  # a common default

A real relay (`inbox relay serve`, default limits) and two replicas, A (dana) with the
example mail and B (ben), each kept in step by `inbox sync --watch`. For each attack,
while it goes on, a tag is made on A (through the library, as `inbox tag` does) and the
time until B's replica holds it is taken (median of --tags), then a one-off `inbox sync`
of B is run (it must succeed); the relay's resident memory is sampled every 20 ms from
/proc while the attack lasts (its peak; and VmHWM, the process's own peak). Each attack
gets a fresh relay process on the same store, so its memory is its own; the figures are
medians of --runs (the high-water mark: the most). The attacks, each from one token
(mallory's, except the big document, which is A's own):

- quiet             nothing: the figures to compare with
- presence_flood    1,200 fake awareness clients in 3 frames of 400, the socket held
- big_presence      10 awareness frames of 130 peers x 60 KB
- held_sockets      1,000 websockets of one token, held open
- idle_tcp          1,100 TCP connections that never say a word
- slow_consumer     3 sockets (a token's most) that never read, asking again and again
                    for a 6 MB document (each answer a fresh 6 MB frame for the relay)
- held_pieces       3 sockets each sending all but the last piece of a 32 MB frame
- worst             both at once on the token's 3 sockets: what one token can cost
- big_document      a 12 MB chat (a pasted log) made on A, synced in pieces to B
- poisoned_updates  an update that makes pycrdt panic (tests/relay/data), sent again and
                    again, reconnecting each time the relay drops the socket
- forged_changes    notes and claims in ben's name from mallory's token, 50 a round,
                    each answered REFUSED
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
INBOX = [str(Path(sys.executable).parent / "inbox")]

from relay_bench import _interruptible, env_for, free_port, token  # noqa: E402
from steal import cpu_times, steal_pct  # noqa: E402

from crdt import actions  # noqa: E402
from crdt.demo import seed  # noqa: E402
from crdt.model import conversation  # noqa: E402
from crdt.model.ydoc import Doc  # noqa: E402
from crdt.replica import Replica  # noqa: E402
from relay import protocol as p  # noqa: E402
from relay.client.websocket import WebSocket  # noqa: E402
from relay.server.limits import DEFAULTS  # noqa: E402
from tests.relay import attackers  # noqa: E402
from tests.relay.relays import rss_mb  # noqa: E402

MBOX = ROOT / "examples" / "mail" / "support.mbox"
DANA, BEN = "dana@acme.example.com", "ben@acme.example.com"
SOCKETS = DEFAULTS.sockets_per_token  # all a token may hold
Attack = Callable[["Bench"], Iterator[None]]


class Sampler:
    """The peak of a process's VmRSS while it runs, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Bench:
    """The relay, the two replicas with their watchers, and mallory's token."""

    def __init__(self, work: Path, code: Path | None = None, nofile: int | None = None) -> None:
        self.work, self.nofile = work, nofile
        # the relay and the replicas' processes run this checkout's code (a comparison)
        self.inbox = [sys.executable, "-m", "inbox_cli.main"] if code else INBOX
        self.cwd = code
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = work / "relay.db"
        self.relay = self._serve()
        self.a, self.b = work / "a", work / "b"
        self._inbox(self.a, "join", self.url, "--token-file", str(token(self.store, DANA, work)))
        self._inbox(self.a, "import", str(MBOX))
        self._inbox(self.a, "sync")
        self._inbox(self.b, "join", self.url, "--token-file", str(token(self.store, BEN, work)))
        self.evil = token(self.store, attackers.EVIL, work).read_text().strip()
        self.watchers = [self._watch(home) for home in (self.a, self.b)]
        replica = Replica.open(self.a)
        self.ident = str(replica.store.conn.execute("SELECT id FROM conversations").fetchone()[0])
        replica.close()
        self.n = 0

    def _serve(self) -> subprocess.Popen[bytes]:
        relay = subprocess.Popen(
            [*self.inbox, "relay", "serve", "--port", str(self.port), "--store", str(self.store)],
            cwd=self.cwd,
            preexec_fn=self._limit_files,
            stderr=open(self.work / "relay.log", "a"),  # noqa: SIM115
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return relay
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the relay did not start")

    def _limit_files(self) -> None:
        """In the relay's process: at most --nofile open files, soft and hard alike."""
        if self.nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def restart(self) -> None:
        """A fresh relay process on the same store and port (each attack's memory is its
        own); the watchers reconnect to it."""
        before = self.connects()
        self.relay.terminate()
        self.relay.wait(10)
        self.relay = self._serve()
        deadline = time.monotonic() + 30
        while self.connects() < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)

    def connects(self) -> int:
        return sum((h / "watch.log").read_text().count("connected as") for h in (self.a, self.b))

    def _inbox(self, home: Path, *args: str) -> None:
        subprocess.run(
            [*self.inbox, *args], env=env_for(home), cwd=self.cwd, check=True, capture_output=True
        )

    def _watch(self, home: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*self.inbox, "sync", "--watch"],
            env=env_for(home),
            cwd=self.cwd,
            stderr=open(home / "watch.log", "ab"),
            preexec_fn=_interruptible,
        )

    def tag_latency(self, timeout: float = 10.0) -> float | None:
        """Seconds from a tag made on A to B's replica holding it (None: not in time)."""
        self.n += 1
        tag = f"lat{self.n}"
        replica = Replica.open(self.a)
        start = time.perf_counter()
        try:
            actions.tag(replica, [self.ident], [tag], [])
        finally:
            replica.close()
        conn = sqlite3.connect(self.b / "replica.db")
        try:
            while time.perf_counter() - start < timeout:
                row = conn.execute(
                    "SELECT tags FROM conversations WHERE id = ?", (self.ident,)
                ).fetchone()
                if row and tag in json.loads(row[0]):
                    return time.perf_counter() - start
                time.sleep(0.002)
        finally:
            conn.close()
        return None

    def sync_ok(self) -> bool:
        """Whether a one-off `inbox sync` of B succeeds (a flood used to fail it)."""
        done = subprocess.run(
            [*self.inbox, "sync"], env=env_for(self.b), cwd=self.cwd, capture_output=True
        )
        return done.returncode == 0

    def reconnects(self) -> int:
        return sum((h / "watch.log").read_text().count("connection lost") for h in (self.a, self.b))

    def close(self) -> None:
        for w in self.watchers:
            w.send_signal(signal.SIGINT)
        for w in self.watchers:
            w.wait(10)
        self.relay.terminate()
        self.relay.wait(10)


# -- the attacks: each sets itself up, yields while it lasts, and cleans up ---------------


def quiet(bench: Bench) -> Iterator[None]:
    yield


def _held_after(bench: Bench, send: Callable[[WebSocket], None]) -> Iterator[None]:
    """One socket of the attacker's sends what ``send`` sends and stays open meanwhile."""
    ws = attackers.hello(bench.url, bench.evil)
    send(ws)
    time.sleep(0.5)
    yield
    ws.close()


def presence_flood(bench: Bench) -> Iterator[None]:
    yield from _held_after(bench, attackers.presence_flood)


def big_presence(bench: Bench) -> Iterator[None]:
    yield from _held_after(bench, attackers.big_presence)


def held_sockets(bench: Bench) -> Iterator[None]:
    held: list[WebSocket] = []
    for _ in range(1000):
        try:
            held.append(attackers.hello(bench.url, bench.evil))
        except Exception:  # refused: the attacker goes on with the next
            continue
    time.sleep(0.5)
    yield
    for ws in held:
        ws.sock.close()


def idle_tcp(bench: Bench) -> Iterator[None]:
    idle = attackers.idle_tcp(bench.port, 1100)
    time.sleep(0.5)
    yield
    for s in idle:
        s.close()


def _upload(bench: Bench, megabytes: int) -> str:
    """A big conversation in the log (A and B take it in before the attack starts)."""
    sender = attackers.hello(bench.url, bench.evil)
    name, update = attackers.big_conversation(megabytes * 1024 * 1024)
    sender.send(p.sync(name, p.UPDATE, update))  # one frame: under 8 MB
    while (message := sender.recv(30)) is not None and p.decode(message).kind != p.STORED:
        pass  # until it is in the log
    sender.close()
    time.sleep(3.0)
    return name


@contextmanager
def asking(socks: list[WebSocket], name: str) -> Iterator[None]:
    """Each socket asks for all of ``name`` every 20 ms and reads none of the answers."""
    stop = threading.Event()

    def ask(ws: WebSocket) -> None:
        while not stop.is_set():
            try:
                ws.send(p.sync(name, p.STEP1, b"\0"))
            except OSError:
                return
            time.sleep(0.02)

    threads = [threading.Thread(target=ask, args=(ws,), daemon=True) for ws in socks]
    for t in threads:
        t.start()
    try:
        time.sleep(2.0)
        yield
    finally:
        stop.set()
        for t in threads:
            t.join()


def slow_consumer(bench: Bench) -> Iterator[None]:
    name = _upload(bench, 6)
    slow = [attackers.hello(bench.url, bench.evil) for _ in range(SOCKETS)]
    with asking(slow, name):
        yield
    for ws in slow:
        ws.sock.close()


def _hold_pieces(socks: list[WebSocket]) -> None:
    """Each socket sends all but the last piece of a 32 MB frame: a whole in assembly."""
    frame = p.sync("c:" + "e" * 32, p.UPDATE, b"\0" * (p.MAX_WHOLE - 64))
    pieces = p.pieces(frame)
    for ws in socks:
        for piece in pieces[:-1]:
            ws.send(piece)


def held_pieces(bench: Bench) -> Iterator[None]:
    socks = [attackers.hello(bench.url, bench.evil) for _ in range(SOCKETS)]
    _hold_pieces(socks)
    time.sleep(1.0)
    yield
    for ws in socks:
        ws.sock.close()


def worst(bench: Bench) -> Iterator[None]:
    name = _upload(bench, 6)
    socks = [attackers.hello(bench.url, bench.evil) for _ in range(SOCKETS)]
    _hold_pieces(socks)
    with asking(socks, name):
        yield
    for ws in socks:
        ws.sock.close()


def big_document(bench: Bench) -> Iterator[None]:
    replica = Replica.open(bench.a)
    line = "2026-12-01 10:00:00 ERROR the export failed again; the trace follows\n"
    body = line * (12 * 2**20 // len(line))
    chat = {"visitor": f"noisy{bench.n}@example.com", "at": "2026-12-01T10:00:00Z"}
    chat["messages"] = [["in", "Here is the log"], ["in", body]]  # type: ignore[assignment]
    try:
        seed.add_chat(replica, chat)
    finally:
        replica.close()
    yield


POISON = ROOT / "tests" / "relay" / "data"  # a conversation, and an update that panics pycrdt


@contextmanager
def sending(bench: Bench, frames: Callable[[], list[bytes]]) -> Iterator[None]:
    """One socket of the attacker's token sends ``frames()`` and reads the answers, over
    and over while the attack lasts, reconnecting whenever the relay drops it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                ws = attackers.hello(bench.url, bench.evil)
                while not stop.is_set():
                    for frame in frames():
                        ws.send(frame)
                    if ws.recv(5) is None:
                        break
            except Exception:  # dropped, as it should be: again
                time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(1.0)
        yield
    finally:
        stop.set()
        thread.join(15)


def _poisoned_conversation(bench: Bench) -> tuple[str, bytes]:
    """The honest conversation of the kept panic, in the log; its name and whole state."""
    base = (POISON / "panic-0-1.base").read_bytes()
    name = "c:0123456789abcdef0123456789abcdef"
    sender = attackers.hello(bench.url, bench.evil)
    sender.send(p.sync(name, p.UPDATE, base))
    while (message := sender.recv(30)) is not None and p.decode(message).kind != p.STORED:
        pass
    sender.close()
    return name, base


def poisoned_updates(bench: Bench) -> Iterator[None]:
    """The update that makes pycrdt panic, sent again and again (each costs the socket)."""
    name, _ = _poisoned_conversation(bench)
    poison = p.sync(name, p.UPDATE, (POISON / "panic-0-1.update").read_bytes())
    with sending(bench, lambda: [poison]):
        yield


def forged_changes(bench: Bench) -> Iterator[None]:
    """Notes, claims and tags in ben's name from mallory's token, 50 to a round."""
    name, base = _poisoned_conversation(bench)
    doc = Doc()
    doc.apply_update(base)
    state = doc.get_state()

    def forged() -> list[bytes]:
        out = []
        for _ in range(50):
            copy = Doc()
            copy.apply_update(base)
            at = "2026-12-03T10:00:00.000Z"
            conversation.add_note(copy, body="approve the refund", mentions=[], who=BEN, at=at)
            conversation.claim(copy, BEN, at)
            out.append(p.sync(name, p.UPDATE, copy.get_update(state)))
        return out

    with sending(bench, forged):
        yield


ATTACKS: dict[str, Attack] = {
    "quiet": quiet,
    "presence_flood": presence_flood,
    "big_presence": big_presence,
    "held_sockets": held_sockets,
    "idle_tcp": idle_tcp,
    "slow_consumer": slow_consumer,
    "held_pieces": held_pieces,
    "worst": worst,
    "big_document": big_document,
    "poisoned_updates": poisoned_updates,
    "forged_changes": forged_changes,
}


@contextmanager
def attack(bench: Bench, name: str) -> Iterator[None]:
    steps = ATTACKS[name](bench)
    next(steps)
    try:
        yield
    finally:
        next(steps, None)


def measure(bench: Bench, name: str, tags: int) -> dict[str, Any]:
    bench.restart()
    lost = bench.reconnects()
    start = rss_mb(bench.relay.pid)
    with Sampler(bench.relay.pid) as sampler:
        with attack(bench, name):
            times = [bench.tag_latency() for _ in range(tags)]
            synced = bench.sync_ok()
        peak = sampler.peak
    arrived = [t for t in times if t is not None]
    time.sleep(1.0)  # the relay lets the attacker's sockets go
    return {
        "latency_ms": round(1000 * statistics.median(arrived), 1) if arrived else None,
        "tags_lost": len(times) - len(arrived),
        "rss_start_mb": round(start, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_hwm_mb": round(rss_mb(bench.relay.pid, "VmHWM"), 1),
        "watch_reconnects": bench.reconnects() - lost,
        "sync_ok": synced,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tags", type=int, default=5, help="tags timed per attack (median)")
    parser.add_argument("--only", action="append", choices=sorted(ATTACKS), default=[])
    parser.add_argument("--work", type=Path, default=HERE / "work" / "attacks")
    parser.add_argument("--nofile", type=int, help="the relay's limit on open files")
    parser.add_argument(
        "--code", type=Path, help="run the relay and replicas from this checkout (to compare)"
    )
    args = parser.parse_args()
    names = args.only or list(ATTACKS)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    machine = cpu_times()
    bench = Bench(args.work, args.code, args.nofile)
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    try:
        time.sleep(2.0)
        results: dict[str, Any] = {}
        for run in range(args.runs):
            for name in names:
                runs[name].append(measure(bench, name, args.tags))
                print(f"run {run + 1} {name}: {runs[name][-1]}", file=sys.stderr)
        for name, found in runs.items():
            latencies = [r["latency_ms"] for r in found if r["latency_ms"] is not None]
            results[name] = {
                "latency_ms": statistics.median(latencies) if latencies else None,
                "rss_start_mb": statistics.median(r["rss_start_mb"] for r in found),
                "rss_peak_mb": statistics.median(r["rss_peak_mb"] for r in found),
                "rss_hwm_max_mb": max(r["rss_hwm_mb"] for r in found),
                "tags_lost": sum(r["tags_lost"] for r in found),
                "watch_reconnects": sum(r["watch_reconnects"] for r in found),
                "syncs_failed": sum(not r["sync_ok"] for r in found),
            }
        results["steal_pct"] = steal_pct(machine, cpu_times())
        results["runs"] = runs
    finally:
        bench.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
