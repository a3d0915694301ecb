"""Website visitors for chat_load.py, in a process of their own.

    python benchmarks/chat_visitors.py < job.json
    # {"port", "workspace", "origin", "visitors", "pace", "typing", "net"}

Each visitor is one websocket speaking the widget's frames from a loopback address of
its own (``127.NET.x.y``: the relay's limits are per address, as they would be for
visitors on the web), says hello as a new visitor, and prints "ready" once all have
their welcome. Then each says a message every ``pace`` seconds (its first at a random
moment of the first ``pace``), with "typing" on before it as the widget sends it, and
``typing`` extra typing frames a second between messages (on, off, ...: a visitor at
its address's frame limit). Every frame the relay sends is read. When stdin closes it
stops and prints JSON: messages said, their echoes (the widget's receipt) with p50/p99
of the time from say to echo in ms, and the reasons of any socket the relay closed.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def address(net: int, n: int) -> str:
    return f"127.{net}.{n // 250}.{n % 250 + 1}"


class Tally:
    def __init__(self) -> None:
        self.said = 0
        self.echoes: list[float] = []
        self.closed: dict[str, int] = {}
        self.pending: dict[str, float] = {}


async def visitor(job: dict[str, Any], n: int, tally: Tally) -> ClientConnection:
    url = f"ws://127.0.0.1:{job['port']}/chat?workspace={job['workspace']}"
    ws = await connect(
        url, origin=job["origin"], local_addr=(address(job["net"], n), 0), compression=None
    )
    await ws.send(json.dumps({"t": "hello", "token": None}))
    welcome = json.loads(await ws.recv())
    assert welcome["t"] == "welcome", welcome
    return ws


async def read(ws: ClientConnection, tally: Tally) -> None:
    try:
        async for text in ws:
            frame = json.loads(text)
            message = frame.get("message") or {}
            said = tally.pending.pop(str(message.get("id")), None)
            if said is not None:
                tally.echoes.append((time.perf_counter() - said) * 1000)
    except Exception:
        pass
    reason = ws.close_reason or "closed"
    tally.closed[reason] = tally.closed.get(reason, 0) + 1


async def chat(ws: ClientConnection, n: int, job: dict[str, Any], tally: Tally) -> None:
    pace, extra = float(job["pace"]), float(job["typing"])
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, pace))
    k = 0
    while True:
        began = time.perf_counter()
        ident = f"v{n:04d}m{k:06d}"
        await ws.send(json.dumps({"t": "typing", "on": True}))
        tally.pending[ident] = time.perf_counter()
        await ws.send(json.dumps({"t": "say", "id": ident, "body": f"question {k} from {n}"}))
        tally.said += 1
        k += 1
        on = False
        toggles = int(extra * pace)
        for _ in range(toggles):
            await asyncio.sleep(pace / (toggles + 1))
            on = not on
            await ws.send(json.dumps({"t": "typing", "on": on}))
        await asyncio.sleep(max(0.0, pace - (time.perf_counter() - began)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


async def main() -> None:
    job = json.loads(sys.stdin.readline())
    tally = Tally()
    sockets: list[ClientConnection] = []
    for start in range(0, int(job["visitors"]), 20):  # 20 at a time, as pages open
        batch = range(start, min(int(job["visitors"]), start + 20))
        sockets += await asyncio.gather(*(visitor(job, n, tally) for n in batch))
    readers = [asyncio.create_task(read(ws, tally)) for ws in sockets]
    print("ready", flush=True)
    talkers = [asyncio.create_task(chat(ws, n, job, tally)) for n, ws in enumerate(sockets)]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    for task in talkers:
        task.cancel()
    await asyncio.sleep(1.0)  # the last echoes
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers)
    closed = {r: c for r, c in tally.closed.items() if r not in ("", "closed")}
    report = {
        "said": tally.said,
        "echoed": len(tally.echoes),
        "echo_p50_ms": percentile(tally.echoes, 0.5),
        "echo_p99_ms": percentile(tally.echoes, 0.99),
        "closed_by_relay": closed,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
