"""Website chat latency on loopback: a visitor's message to an agent's replica, and an
agent's reply to the visitor's socket, through a real relay and `inbox sync --watch`.

    python benchmarks/chat_bench.py --messages 100

Visitor -> agent: from the visitor's frame sent to the message readable in the agent's
replica (polled every 2 ms). Agent -> visitor: from the reply committed in the agent's
replica (what `inbox reply` does, minus its process start) to its frame at the visitor.
A message a second, as a visitor types (and as the relay's limit for one visitor
allows). Prints p50 and p99 of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import INBOX, free_port, inbox  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from crdt import actions  # noqa: E402
from crdt.replica import Replica  # noqa: E402

SITE = "https://www.acme.example.com"
DANA = "dana@acme.example.com"
PACE = 1.05  # seconds between a visitor's messages: their rate limit is 1 a second


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_listening(port: int) -> None:
    import socket

    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the relay did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
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
    try:
        wait_listening(port)
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
        inward, outward = [], []
        with connect(url, origin=SITE) as ws, Replica.open(where / "dana") as replica:  # type: ignore[arg-type]
            ws.send(json.dumps({"t": "hello", "token": None}))
            json.loads(ws.recv(10))
            ident = None
            for n in range(args.messages):
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
                inward.append((time.perf_counter() - start) * 1000)
                json.loads(ws.recv(10))  # its receipt
                actions.reply(replica, ident, f"agent reply {n}", force=True)
                committed = time.perf_counter()
                while json.loads(ws.recv(10)).get("message", {}).get("author") != "agent":
                    pass
                outward.append((time.perf_counter() - committed) * 1000)
                time.sleep(max(0.0, PACE - (time.perf_counter() - start)))
    finally:
        for proc in (watcher, relay):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
    print(f"| chat, {args.messages} messages each way | p50 | p99 |")
    print("| --- | --- | --- |")
    for what, values in (
        ("visitor -> agent's replica", inward),
        ("agent's reply -> visitor", outward),
    ):
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"| {what} | {p50:.0f} ms | {p99:.0f} ms |")


if __name__ == "__main__":
    main()
