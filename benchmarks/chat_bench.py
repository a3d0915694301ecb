"""Website chat latency on loopback: a visitor's message to an agent's replica, and an
agent's reply to the visitor's socket, through a real relay and `inbox sync --watch`.

    python benchmarks/chat_bench.py --messages 60 --runs 3

Visitor -> agent: from the visitor's frame sent to the message readable in the agent's
replica (polled every 2 ms). Agent -> visitor: a whole `inbox reply ID -m TEXT --force`
process, timed from its start and from its exit to the reply's frame at the visitor (read
by a thread of its own, so a frame that comes before the process has exited is seen
then: a negative figure after its exit). A message a second, as a visitor types (and as
the relay's limit for one visitor allows). Each run is a fresh relay, replica and visitor;
prints each run's p50 and p99 in milliseconds, their medians, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import INBOX, free_port, inbox, wait_accepting  # noqa: E402
from websockets.sync.client import ClientConnection, connect  # noqa: E402

from crdt.replica import Replica  # noqa: E402

SITE = "https://www.acme.example.com"
DANA = "dana@acme.example.com"
PACE = 1.05  # seconds between a visitor's messages: their rate limit is 1 a second


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def frames(ws: ClientConnection, into: queue.Queue[tuple[float, dict[str, object]]]) -> None:
    """Every frame the visitor is sent, with when it came, until the socket closes."""
    try:
        while True:
            text = ws.recv()
            into.put((time.perf_counter(), json.loads(text)))
    except Exception:  # the socket closed: the run is over
        return


def next_from(
    frames: queue.Queue[tuple[float, dict[str, object]]], author: str
) -> tuple[float, dict[str, object]]:
    while True:
        at, frame = frames.get(timeout=10)
        message = frame.get("message")
        if isinstance(message, dict) and message.get("author") == author:
            return at, message


def one_run(messages: int) -> dict[str, list[float]]:
    """A fresh relay, replica and visitor: ``messages`` each way, in milliseconds."""
    where = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    env = {**os.environ, "INBOX_HOME": str(where / "dana"), "NO_COLOR": "1"}
    store, port = where / "relay.db", free_port()
    relay = subprocess.Popen(
        [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = None
    times: dict[str, list[float]] = {"inward": [], "reply_start": [], "reply_exit": []}
    try:
        wait_accepting(port, relay)
        inbox("chat", "origins", "add", SITE, "--store", str(store), env=env)
        (where / "dana.token").write_text(
            inbox("relay", "token", "create", DANA, "--store", str(store), env=env)
        )
        inbox(
            "join", f"http://127.0.0.1:{port}", "--token-file", str(where / "dana.token"), env=env
        )
        watcher = subprocess.Popen(
            [*INBOX, "sync", "--watch"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"ws://127.0.0.1:{port}/chat?workspace=inbox"
        seen: queue.Queue[tuple[float, dict[str, object]]] = queue.Queue()
        with connect(url, origin=SITE) as ws, Replica.open(where / "dana") as replica:  # type: ignore[arg-type]
            ws.send(json.dumps({"t": "hello", "token": None}))
            json.loads(ws.recv(10))
            reader = threading.Thread(target=frames, args=(ws, seen), daemon=True)
            reader.start()
            ident = None
            for n in range(messages):
                body = f"visitor message {n}"
                start = time.perf_counter()
                ws.send(json.dumps({"t": "say", "id": f"bench{n:06d}", "body": body}))
                while True:
                    if ident is None:
                        rows = replica.store.conn.execute(
                            "SELECT id FROM conversations WHERE channel = 'chat'"
                        ).fetchall()
                        ident = rows[0][0] if rows else None
                    if ident and any(
                        m["body"] == body for m in replica.conversation(ident)["messages"]
                    ):
                        break
                    time.sleep(0.002)
                times["inward"].append((time.perf_counter() - start) * 1000)
                next_from(seen, "visitor")  # its receipt
                answer = f"agent reply {n}"
                began = time.perf_counter()
                subprocess.run(
                    [*INBOX, "reply", ident[:12], "-m", answer, "--force"],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                exited = time.perf_counter()
                at, message = next_from(seen, "agent")
                assert message.get("body") == answer, message
                times["reply_start"].append((at - began) * 1000)
                times["reply_exit"].append((at - exited) * 1000)
                time.sleep(max(0.0, PACE - (time.perf_counter() - start)))
    finally:
        for proc in (watcher, relay):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60, help="each way, each run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()
    runs = [one_run(args.messages) for _ in range(args.runs)]
    after = os.getloadavg()
    print(f"| chat, {args.runs} runs of {args.messages} messages each way | p50 | p99 | runs |")
    print("| --- | --- | --- | --- |")
    for key, what in (
        ("inward", "visitor -> agent's replica"),
        ("reply_start", "`inbox reply` started -> visitor"),
        ("reply_exit", "`inbox reply` exited -> visitor"),
    ):
        p50s = [statistics.median(r[key]) for r in runs]
        p99s = [percentile(r[key], 0.99) for r in runs]
        each = ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(p50s, p99s, strict=True))
        print(
            f"| {what} | {statistics.median(p50s):.0f} ms | {statistics.median(p99s):.0f} ms"
            f" | {each} |"
        )
    print(f"load average (1, 5, 15 min): before {load}, after {after}")


if __name__ == "__main__":
    main()
