"""What sharing a workspace begun alone costs: `relay serve --from-replica`, then that
replica's `inbox join`, against a new replica joining the same relay.

    python benchmarks/seed_bench.py --home benchmarks/work/replica-100000x5 --runs 3
    python benchmarks/seed_bench.py --conversations 2000 --runs 5   # a replica made here

Each run copies the replica (so it stays a replica of its own), times the relay from
its start to its first accepted connection (the seed is most of it), the copy's join
(it sends every document once; the relay logs nothing for what it holds), and a join
into an empty home; whole processes, medians over --runs, with the relay's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from run import INBOX, free_port, setup  # noqa: E402

AGENT = "dana@acme.example.com"


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def made_here(work: Path, n: int) -> Path:
    home = work / f"alone-{n}"
    if not (home / "replica.db").exists():
        mbox = work / f"alone-{n}.mbox"
        generate(mbox, n, 5)
        env = {"INBOX_HOME": str(home), "PATH": "/usr/bin:/bin"}
        setup([*INBOX, "init", "--agent", AGENT], env)
        setup([*INBOX, "import", str(mbox)], env)
    return home


def copy_replica(home: Path, to: Path) -> Path:
    conn = sqlite3.connect(home / "replica.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    to.mkdir(parents=True)
    shutil.copy2(home / "replica.db", to / "replica.db")
    return to


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_run(home: Path, scratch: Path) -> dict[str, float]:
    mine = copy_replica(home, scratch / "mine")
    store, port = scratch / "relay.db", free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch)}
    start = time.perf_counter()
    serve = ["relay", "serve", "--port", str(port), "--store", str(store)]
    relay = subprocess.Popen(
        [*INBOX, *serve, "--from-replica", str(mine)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not accepts(port):
            if relay.poll() is not None:
                raise SystemExit("the relay did not start")
            time.sleep(0.05)
        seeded = time.perf_counter() - start
        token = scratch / "dana.token"
        done = subprocess.run(
            [*INBOX, "relay", "token", "create", AGENT, "--admin", "--store", str(store)],
            env=env,
            capture_output=True,
            check=True,
        )
        token.write_bytes(done.stdout)
        url = f"http://127.0.0.1:{port}"
        timings = {"seed_s": seeded}
        for name, where in (("attach_s", mine), ("fresh_join_s", scratch / "fresh")):
            began = time.perf_counter()
            done = subprocess.run(
                [*INBOX, "join", url, "--token-file", str(token)],
                env={**env, "INBOX_HOME": str(where)},
                capture_output=True,
            )
            if done.returncode:
                raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.decode()}")
            timings[name] = time.perf_counter() - began
        timings["relay_peak_mb"] = peak_mb(relay.pid)
        return timings
    finally:
        relay.terminate()
        relay.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, help="a replica of its own (inbox init + import)")
    parser.add_argument("--conversations", type=int, default=2000, help="without --home")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    home = args.home or made_here(args.work, args.conversations)
    conn = sqlite3.connect(home / "replica.db")
    count = int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
    conn.close()
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(dir=args.work) as scratch:
            runs.append(one_run(home, Path(scratch)))
        print(f"run {i + 1}: {json.dumps(runs[-1])}", file=sys.stderr)
    result: dict[str, object] = {"conversations": count, "runs": args.runs}
    for key in runs[0]:
        result[key] = round(statistics.median(r[key] for r in runs), 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
