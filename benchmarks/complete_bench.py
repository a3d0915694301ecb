"""How long `inbox __complete` takes, the whole process, as a shell runs it at each TAB.

    python benchmarks/complete_bench.py                  # a replica of examples/mail
    python benchmarks/complete_bench.py --home DIR       # an existing (large) replica
    python benchmarks/complete_bench.py --runs 31

Each line below is completed --runs times (the installed console script, a fresh process
each time, as bash's completion function starts it); the median and the slowest of each.
The goal is under 100 ms for every line.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from steal import cpu_times, steal_pct

ROOT = Path(__file__).resolve().parent.parent
INBOX = [str(Path(sys.executable).parent / "inbox")]
LINES = {
    "a command": ["li"],
    "a flag": ["list", "--st"],
    "a choice": ["list", "--status", "o"],
    "an id": ["show", ""],
    "a tag": ["list", "--tag", ""],
    "an agent": ["assign", "--to", ""],
    "a verb's flag": ["relay", "token", "create", "--"],
}


def replica(where: Path) -> Path:
    """A replica of the example mail, as `inbox init` and `inbox import` make it."""
    env = {"INBOX_HOME": str(where)}
    for argv in (
        ["init", "--workspace", "acme", "--agent", "dana@acme.example.com"],
        ["import", str(ROOT / "examples" / "mail" / "support.mbox")],
    ):
        subprocess.run(INBOX + argv, env=env, check=True, capture_output=True)
    return where


def time_line(home: Path, argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system) of ``runs`` processes: on a busy machine
    the wall time includes waiting for a core, the CPU time is what the process costs."""
    import resource

    env = {"INBOX_HOME": str(home), "PATH": "/usr/bin:/bin"}
    walls, cpus = [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
        assert done.returncode == 0, done.stderr
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a replica to complete from")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or replica(Path(tmp) / "replica")
        before = cpu_times()
        print("| a whole process completing | wall, median | wall, slowest | CPU, median |")
        print("| --- | --- | --- | --- |")
        # what the machine costs a process at all, for the figures below it
        rows = [("`python -c pass`", [sys.executable, "-c", "pass"])]
        rows += [
            (f"{what} (`inbox {' '.join(words)}<TAB>`)", [*INBOX, "__complete", "bash", *words])
            for what, words in LINES.items()
        ]
        for what, argv in rows:
            walls, cpus = time_line(home, argv, args.runs)
            median, worst = statistics.median(walls) * 1000, max(walls) * 1000
            cpu = statistics.median(cpus) * 1000
            print(f"| {what} | {median:.1f} ms | {worst:.1f} ms | {cpu:.1f} ms |")
        print(f"\n(steal {steal_pct(before, cpu_times()):.1f}%, {args.runs} runs a line)")


if __name__ == "__main__":
    main()
