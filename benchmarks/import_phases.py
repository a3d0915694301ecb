"""Where an import's time goes: its halves timed in one process, wall and CPU.

    python benchmarks/import_phases.py benchmarks/work/mail-20000x5.mbox

Runs the same `import_path` as `inbox import` into a fresh replica, with a clock around
threading (parse workers beside the process that threads), building (the build workers)
and the final vacuum; CPU is this process's and its workers'. The CPU steal of the whole
run (from /proc/stat) says how far the machine can be trusted at the time.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from generate import MAILBOXES  # noqa: E402
from steal import cpu_times, steal_pct  # noqa: E402

from crdt import actions  # noqa: E402
from crdt.ingest import importer  # noqa: E402
from crdt.replica import Replica  # noqa: E402
from crdt.store import documents, import_queue  # noqa: E402

Mark = tuple[str, float, float, float]  # label, wall, own CPU, workers' CPU


def mark(marks: list[Mark], label: str) -> None:
    t = os.times()
    cpu, workers = t.user + t.system, t.children_user + t.children_system
    marks.append((label, time.perf_counter(), cpu, workers))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mbox", type=Path)
    args = parser.parse_args()
    marks: list[Mark] = []
    drain, vacuum = import_queue.drain, documents.Store.vacuum

    def timed_drain(*a: object, **k: object) -> int:
        mark(marks, "threading")
        done = drain(*a, **k)  # type: ignore[arg-type]
        mark(marks, "building")
        return done

    def timed_vacuum(self: documents.Store) -> None:
        vacuum(self)
        mark(marks, "vacuum")

    import_queue.drain = timed_drain  # type: ignore[assignment]
    documents.Store.vacuum = timed_vacuum  # type: ignore[method-assign]
    home = Path(tempfile.mkdtemp(prefix="inbox-phases-"))
    try:
        replica = Replica.create(home, workspace="bench", agent="dana@acme.example.com", name=None)
        for address in MAILBOXES:  # short mail has no Delivered-To to learn them from
            actions.mailbox_add(replica, address)
        machine = cpu_times()
        mark(marks, "start")
        report = importer.import_path(replica, args.mbox)
        mark(marks, "end")
        steal = steal_pct(machine, cpu_times())
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for (_, w0, c0, k0), (label, w1, c1, k1) in itertools.pairwise(marks):
        print(f"{label:10s} wall {w1 - w0:7.1f} s   own CPU {c1 - c0:7.1f} s", end="")
        print(f"   workers {k1 - k0:7.1f} s")
    wall = marks[-1][1] - marks[0][1]
    print(f"{report.read} messages in {wall:.1f} s: {report.read / wall:,.0f}/s")
    print(f"steal {steal}%")


if __name__ == "__main__":
    main()
