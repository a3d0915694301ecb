"""Triage's accuracy and cost: `inbox triage --eval FILE --json` as whole processes under
GNU time, medians over runs.

    python benchmarks/triage_bench.py                         # tests/data/triage-dev.jsonl, 3 runs
    python benchmarks/triage_bench.py --file labelled.jsonl --runs 5

Prints accuracy per label, seconds per message (inside the process, triage only), the
whole process's wall time per message (model loading included) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
INBOX = str(Path(sys.executable).parent / "inbox")
DEV = HERE.parent / "tests" / "data" / "triage-dev.jsonl"
GNU_TIME = "/usr/bin/time"


def one_run(path: Path) -> dict[str, float | dict[str, float]]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        done = subprocess.run(
            [
                GNU_TIME,
                "-f",
                "%e %M",
                "-o",
                stats.name,
                INBOX,
                "triage",
                "--eval",
                str(path),
                "--json",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"inbox triage --eval failed: {done.stderr[-2000:]}")
        wall, rss_kb = stats.read().split()[-2:]
    report = json.loads(done.stdout)
    return {
        "accuracy": report["accuracy"],
        "seconds_per_message": report["seconds_per_message"],
        "process_seconds_per_message": float(wall) / report["n"],
        "peak_rss_mb": int(rss_kb) / 1024,
        "n": report["n"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEV)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.file) for _ in range(args.runs)]
    med = statistics.median
    acc = {k: med(r["accuracy"][k] for r in runs) for k in runs[0]["accuracy"]}  # type: ignore[index]
    print(f"| {args.file.name}, n={runs[0]['n']}, {args.runs} runs | median |")
    print("| --- | --- |")
    for k, v in acc.items():
        print(f"| {k} accuracy | {v:.1%} |")
    for key in ("seconds_per_message", "process_seconds_per_message"):
        print(f"| {key.replace('_', ' ')} | {med(r[key] for r in runs):.3f} |")  # type: ignore[misc]
    print(f"| peak RSS | {med(r['peak_rss_mb'] for r in runs):.0f} MB |")  # type: ignore[misc]


if __name__ == "__main__":
    main()
