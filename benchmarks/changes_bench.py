"""What numbering the index's changes costs an import, two ways: `inbox import` of the
same mail, whole processes, into a replica as `inbox init` makes it (the index numbers
each batch of rows it writes in ``index_changes`` with one statement,
``index.number_changes``) and into one that also has a trigger per row doing the same
(the way weighed first: it catches every write, but runs a sub-program per row).

    python benchmarks/changes_bench.py                    # 5,000 conversations x 3, 3 runs
    python benchmarks/changes_bench.py --conversations 20000 --runs 5

Each run imports into a fresh replica; the two kinds alternate, so a slow minute falls
on both. The replica with triggers is not one `inbox` makes: it is made here only to
weigh them.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import MAILBOXES, generate  # noqa: E402
from run import inbox  # noqa: E402

TRIGGERS = (
    "CREATE TRIGGER conversations_added AFTER INSERT ON conversations BEGIN "
    "INSERT OR REPLACE INTO index_changes SELECT NEW.id, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM index_changes); END",
    "CREATE TRIGGER conversations_changed AFTER UPDATE OF view ON conversations BEGIN "
    "INSERT OR REPLACE INTO index_changes SELECT NEW.id, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM index_changes); END",
)


def replica(where: Path, triggers: bool) -> dict[str, str]:
    env = {**os.environ, "INBOX_HOME": str(where), "NO_COLOR": "1"}
    inbox("init", "--agent", "dana@acme.example.com", env=env)
    for address in MAILBOXES:
        inbox("mailbox", "add", address, env=env)
    if triggers:
        conn = sqlite3.connect(where / "replica.db")
        with conn:
            for statement in TRIGGERS:
                conn.execute(statement)
        conn.close()
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mbox = work / "mail.mbox"
        generate(mbox, args.conversations, args.messages, style="short")
        times: dict[bool, list[float]] = {False: [], True: []}
        for run in range(args.runs):
            for triggers in (False, True):
                env = replica(work / f"r{run}-{int(triggers)}", triggers)
                start = time.perf_counter()
                inbox("import", str(mbox), env=env)
                times[triggers].append(time.perf_counter() - start)
        plain, triggered = statistics.median(times[False]), statistics.median(times[True])
        print(json.dumps({
            "conversations": args.conversations,
            "messages": args.conversations * args.messages,
            "runs": args.runs,
            "import_s": {"numbered_by_batch": [round(t, 2) for t in times[False]],
                         "and_triggers": [round(t, 2) for t in times[True]]},
            "median_s": {"numbered_by_batch": round(plain, 2), "and_triggers": round(triggered, 2)},
            "triggers_cost_pct": round((triggered - plain) * 100 / plain, 1),
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
