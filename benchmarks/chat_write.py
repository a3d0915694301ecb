"""What writing one visitor's chat message costs the relay's loop: `Hub.write` (the
change made, proved by admission, committed to SQLite), in process, on a real store.

    python benchmarks/chat_write.py                  # conversations of 1, 50 and 200 messages
    python benchmarks/chat_write.py --writes 300 --runs 5

For each size, a chat conversation is written to that many messages, then --writes more
are timed one by one; prints JSON: the median and p90 per write in ms of each run, and the
median of the runs' medians. chat_load.py measures the same writes inside the whole relay,
beside the agents; this isolates them from the machine's other load as far as one process
can (the medians of several runs, as everywhere in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crdt.model.ids import new_id
from crdt.model.vocab import conversation_doc
from relay.chat import transcript
from relay.server.hub import Hub

WRITER = (transcript.WRITER_AGENT, transcript.WRITER_ROLE)


def one_size(hub: Hub, size: int, writes: int, known_ids: bool) -> dict[str, float]:
    who = transcript.Visitor(new_id(), new_id(), "Jo", "jo@example.com")
    name = conversation_doc(who.conversation)

    def say(n: int) -> None:
        at = f"2026-12-07T10:{n // 60 % 60:02d}:{n % 60:02d}.{n // 3600:03d}Z"
        body = f"question {n}: my order has not arrived, can you look? " * 2
        given = {}
        if known_ids:  # as the desk does: the ids the relay holds, not read again
            given["known"] = {str(m["id"]) for m in hub.document(name).get("messages", [])}
        hub.write(
            name, lambda doc: transcript.say(doc, who, f"m{n:08d}", body, at, **given), *WRITER
        )

    for n in range(size):
        say(n)
    times = []
    for n in range(size, size + writes):
        began = time.perf_counter()
        say(n)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p90_ms": round(times[len(times) * 9 // 10], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--read-ids", action="store_true", help="the document's message ids read again each time"
    )
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as where:
            hub = Hub(Path(where) / "relay.db")
            runs.append(
                {str(s): one_size(hub, s, args.writes, not args.read_ids) for s in args.sizes}
            )
            hub.store.close()
    median = {
        str(size): statistics.median(r[str(size)]["p50_ms"] for r in runs) for size in args.sizes
    }
    print(json.dumps({"runs": runs, "median_p50_ms": median}, indent=2))


if __name__ == "__main__":
    main()
