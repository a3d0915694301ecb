"""Time whole `inbox` processes on a synthetic workspace; print a Markdown table.

    python benchmarks/run.py                                  # 100k conversations, 500k messages
    python benchmarks/run.py --conversations 2000 --runs 5    # a quick look
    python benchmarks/run.py --imports 3 --runs 9             # the import three times, median
    python benchmarks/run.py --style short                    # short plain-text mail instead

The mailbox is generated once into benchmarks/work/ (kept between runs), then
imported into a fresh replica with `inbox import` (timed; --imports times, each with the
CPU time the hypervisor stole meanwhile), and each read or write command runs --runs
times; figures are medians of whole processes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
INBOX = [str(Path(sys.executable).parent / "inbox")]  # the installed console script
sys.path.insert(0, str(HERE))

from generate import MAILBOXES, STYLES, generate  # noqa: E402
from steal import cpu_times, steal_pct  # noqa: E402


def setup(argv: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(argv, env=env, capture_output=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()[-2000:]}")


def free_port() -> int:
    """A loopback port nothing listens on now (for a relay a benchmark starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def inbox(*argv: str, env: dict[str, str]) -> str:
    """stdout of an `inbox` command that must succeed (its stderr's end otherwise)."""
    done = subprocess.run([*INBOX, *argv], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"inbox {' '.join(argv)}: {done.stderr[-2000:]}")
    return done.stdout


def wait_accepting(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until the relay ``proc`` started accepts connections on ``port``."""
    import socket

    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the relay did not start") from None
            time.sleep(0.05)


@contextlib.contextmanager
def watched_relay(
    where: Path, store: Path, agent: str, env: dict[str, str]
) -> Iterator[tuple[dict[str, str], sqlite3.Connection]]:
    """`relay serve` on ``store`` (with the mail gateway, when the store has mailboxes),
    ``agent`` joined to it from ``where/NAME`` (its address's local part), and that
    replica kept in step by `inbox sync --watch`: yields the agent's environment and a
    connection to its index. Both processes are stopped after."""
    port, name = free_port(), agent.split("@")[0]
    serve = [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store)]
    relay = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = None
    try:
        wait_accepting(port, relay)
        token = where / f"{name}.token"
        token.write_text(inbox("relay", "token", "create", agent, "--store", str(store), env=env))
        home = {**env, "INBOX_HOME": str(where / name)}
        inbox("join", f"http://127.0.0.1:{port}", "--token-file", str(token), env=home)
        watch = [*INBOX, "sync", "--watch"]
        watcher = subprocess.Popen(
            watch, env=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(3)  # the gateway in IDLE, the watcher in step
        index = sqlite3.connect(where / name / "replica.db")
        try:
            yield home, index
        finally:
            index.close()
    finally:
        for proc in (watcher, relay):
            if proc is not None:
                proc.terminate()
                proc.wait(30)


def arrived(index: sqlite3.Connection, message_id: str, since: float, limit: float = 120) -> float:
    """Seconds from ``since`` (perf_counter) until ``message_id`` is in a replica's index."""
    bare = message_id.strip("<>")
    while time.perf_counter() - since < limit:
        found = index.execute(
            "SELECT 1 FROM mail_ids WHERE message_id IN (?, ?)", (message_id, bare)
        ).fetchone()
        if found:
            return time.perf_counter() - since
        time.sleep(0.01)
    raise SystemExit(f"{message_id} did not arrive in {limit:.0f} s")


def run_rss(argv: list[str], env: dict[str, str], terminal: bool = False) -> tuple[float, int]:
    """Wall seconds and the command's own peak RSS in KB; ``terminal``: its output goes
    to a pseudo-terminal (120 columns), as when a person runs it, and is read as it comes.

    The RSS comes from GNU time, which forks from a small process: a child forked from
    this one would start with this process's RSS as its high-water mark.
    """
    timer = shutil.which("time") or "/usr/bin/time"
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"inbox-bench-rss-{os.getpid()}"
    argv = [timer, "-f", "%M", "-o", str(report), *argv]
    start = time.perf_counter()
    if terminal:
        proc = on_terminal(argv, {**env, "COLUMNS": "120"})
    else:
        proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()[-2000:]}")
    peak = int(report.read_text().split()[-1])
    report.unlink()
    return elapsed, peak


def on_terminal(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    import pty
    import threading

    primary, secondary = pty.openpty()
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    proc = subprocess.run(argv, env=env, stdout=secondary, stderr=secondary)
    os.close(secondary)
    reader.join()
    os.close(primary)
    return subprocess.CompletedProcess(argv, proc.returncode, b"", bytes(shown))


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def replica_bytes(home: Path) -> int:
    db = home / "replica.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in home.iterdir() if p.name.startswith("replica.db"))


def timed_import(
    home: Path, mbox: Path, env: dict[str, str], style: str = "full"
) -> dict[str, float]:
    """`inbox import` into a fresh replica: seconds, peak RSS, and the share of the
    machine's CPU time stolen meanwhile (it moves the figure by tens of percent).
    Short mail has no Delivered-To to learn the shared mailboxes from: they are added
    first, as a workspace would have them."""
    shutil.rmtree(home, ignore_errors=True)
    setup([*INBOX, "init", "--agent", "dana@acme.example.com"], env)
    setup([*INBOX, "agent", "add", "ben@acme.example.com"], env)
    for address in MAILBOXES if style == "short" else ():
        setup([*INBOX, "mailbox", "add", address], env)
    print("importing ...", file=sys.stderr)
    before = cpu_times()
    seconds, rss = run_rss([*INBOX, "import", str(mbox)], env)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(rss / 1024),
        "steal_pct": steal_pct(before, cpu_times()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--style", choices=sorted(STYLES), default="full", help="of the mail")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--imports", type=int, default=1, help="fresh imports timed (median)")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--reuse", action="store_true", help="keep an imported replica")
    args = parser.parse_args()

    n, m = args.conversations, args.messages
    corpus = f"{n}x{m}" if args.style == "full" else f"{args.style}-{n}x{m}"
    mbox = args.work / f"mail-{corpus}.mbox"
    if not mbox.exists():
        print(f"generating {n * m} messages ...", file=sys.stderr)
        generate(mbox, n, m, style=args.style)
    home = args.work / f"replica-{corpus}"
    env = {**os.environ, "INBOX_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "0"}
    results: dict[str, object] = {
        "style": args.style,
        "conversations": n,
        "messages": n * m,
        "mbox_bytes": mbox.stat().st_size,
    }
    if not (args.reuse and home.exists()):
        runs = [timed_import(home, mbox, env, args.style) for _ in range(args.imports)]
        seconds = statistics.median(r["seconds"] for r in runs)
        results["import_runs"] = runs
        results["import_seconds"] = seconds
        results["import_messages_per_second"] = round(n * m / seconds)
        results["import_peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    results["replica_bytes"] = replica_bytes(home)
    results["disk_ratio"] = round(int(results["replica_bytes"]) / mbox.stat().st_size, 2)

    conn = sqlite3.connect(home / "replica.db")
    ids = [r[0] for r in conn.execute("SELECT id FROM conversations")]
    conn.close()
    rng = random.Random(1)
    setup([*INBOX, "list", "--limit", "50"], env)  # warm the page cache once
    word = ["refund", "invoice", "webhook", "crash"]
    cases = {  # name: (argv, on a terminal)
        "list --limit 50": (lambda: ["list", "--limit", "50"], False),
        "list (terminal)": (lambda: ["list"], True),  # 50 rows and "50 of N shown"
        "show ID": (lambda: ["show", rng.choice(ids)[:8], "--no-pager"], False),
        "search WORD --limit 50": (lambda: ["search", rng.choice(word), "--limit", "50"], False),
        "search WORD (terminal)": (lambda: ["search", rng.choice(word)], True),
        "tag ID --add x": (lambda: ["tag", rng.choice(ids)[:8], "--add", "bench"], False),
    }
    for name, (make, terminal) in cases.items():
        walls, peaks = [], []
        for _ in range(args.runs):
            wall, peak = run_rss(INBOX + make(), env, terminal)
            walls.append(wall)
            peaks.append(peak)
        results[name] = {
            "median_ms": median_ms(walls),
            "max_ms": round(max(walls) * 1000, 1),
            "peak_rss_mb": round(max(peaks) / 1024, 1),
        }
    walls = [run_rss([sys.executable, "-c", "pass"], env)[0] for _ in range(args.runs)]
    results["python -c pass"] = {"median_ms": median_ms(walls)}
    print(json.dumps(results, indent=2))
    (args.work / f"results-{corpus}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
