"""What the SLA clocks cost a stream of events (`inbox watch`, the relay's notifier) each
second: `SlaClock.passed` on a replica of N conversations with a default policy.

    python benchmarks/sla_clock_bench.py                          # 100,000 conversations
    python benchmarks/sla_clock_bench.py --conversations 20000 --looks 21

The replica is synthesised as `stats_bench.py` makes it (index rows written directly,
conversations over the last 364 days, about half of them open), then `inbox sla add` of a
default policy (first response 1h, resolution 2d) times every row: the open ones are all
overdue, the clocks' worst case (each a candidate of every look). Timed in this process,
as the stream calls it: the first look (it reads every candidate and works out each one's
next transition), then looks a second apart with nothing changed, then looks each after
one conversation's row was written again (as a sync's change writes it; the synthesised
replica has index rows only, no documents to change). Figures are medians of ``--looks`` looks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import inbox  # noqa: E402
from stats_bench import synthesise  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", type=int, default=100_000)
    p.add_argument("--looks", type=int, default=11)
    p.add_argument("--dir", type=Path, help="where the replica goes (default: a temporary one)")
    args = p.parse_args()
    from crdt.model import clock
    from crdt.replica import Replica
    from crdt.store.index import number_changes
    from crdt.sync.sla_clock import SlaClock

    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        home = Path(scratch) / "replica"
        made = synthesise(home, args.conversations)
        env = {**os.environ, "INBOX_HOME": str(home), "NO_COLOR": "1"}
        start = time.perf_counter()
        inbox(
            "sla",
            "add",
            "std",
            "--first-response",
            "1h",
            "--resolution",
            "2d",
            "--default",
            env=env,
        )
        timed = time.perf_counter() - start
        replica = Replica.open(home)
        conn = replica.store.conn
        overdue = conn.execute(
            "SELECT count(*) FROM conversations WHERE sla_due <= ?", (clock.now_iso(),)
        ).fetchone()[0]
        some = conn.execute("SELECT id FROM conversations WHERE sla_due IS NOT NULL").fetchone()[0]
        base = clock.now()
        clocks = SlaClock(clock.to_iso(base))

        def look(second: int) -> float:
            moment = clock.to_iso(base + timedelta(seconds=second))
            began = time.perf_counter()
            clocks.passed(conn, moment)
            return time.perf_counter() - began

        first = look(1)
        quiet = [look(2 + n) for n in range(args.looks)]
        changed = []
        for n in range(args.looks):
            with replica.store.write():  # the index's write of a changed row, as a sync's
                conn.execute("UPDATE conversations SET view = view WHERE id = ?", (some,))
                number_changes(conn, [some])
            changed.append(look(100 + n))
        replica.close()
        print(
            json.dumps(
                {
                    "conversations": args.conversations,
                    "synthesis_s": round(made, 1),
                    "sla_add_s": round(timed, 1),
                    "overdue": overdue,
                    "first_look_s": round(first, 2),
                    "quiet_look_median_ms": round(statistics.median(quiet) * 1000, 2),
                    "quiet_look_max_ms": round(max(quiet) * 1000, 2),
                    "look_after_a_change_median_ms": round(statistics.median(changed) * 1000, 2),
                }
            )
        )


if __name__ == "__main__":
    main()
