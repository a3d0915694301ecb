"""Website visitors beside agents on one relay process: does the chat slow the agents' sync?

    python benchmarks/chat_load.py                       # 200 visitors, 50 agents, 3 runs
    python benchmarks/chat_load.py --visitors 200 --runs 5

One `inbox relay serve` on a relay store of --conversations (relay_bench's, written once
into benchmarks/work/). Each run measures the agents' fan-out (relay_bench's: 50 agent
sockets, one sends a tag a change at 50 a second, 300 changes; the time until the change
is in each other agent's socket, stamped by the kernel) three ways, in turn:

- alone: no visitor connected;
- chatting: --visitors visitors (chat_visitors.py, a process of their own, each from a
  loopback address of its own), each a message every --pace seconds with "typing" before;
- flood-messages: the same number, each a message a second (the per-visitor rate limit);
- flood: as flood-messages, with typing frames up to the per-address frame limit (5
  frames a second: each typing change is presence the relay passes to every agent).

Each case has fresh visitors, on addresses of their own (new chats per address are
limited too). Prints JSON: each case's p50/p99 per run and their medians, the visitors'
own say -> echo times, the relay's CPU seconds in each case (user and system, from
/proc: less moved by the machine's other load than the latencies), the relay's RSS after
each case and its peak (VmHWM), and the load
average (the 1-minute one after each case, and the CPU time stolen meanwhile). The
relay issue's figure for the agents: p50 under 5 ms socket to socket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from relay_bench import AGENT, fan_out, make_store  # noqa: E402
from run import INBOX, free_port, inbox, wait_accepting  # noqa: E402
from steal import cpu_times, steal_pct  # noqa: E402

from relay.store import RelayStore  # noqa: E402

SITE = "https://www.acme.example.com"
CASES = ("alone", "chatting", "flood-messages", "flood")


def cpu_s(pid: int) -> float:
    """The relay's CPU time so far (user and system), in seconds: what its loop spent,
    which the machine's other load does not change the way it changes latencies."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """The relay's resident set now and its peak so far (the kernel's high-water mark)."""
    held = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            held[key] = round(int(value.split()[0]) / 1024, 1)
    return held


class Visitors:
    """chat_visitors.py, started and ready; ``stop`` ends it and returns its report."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "chat_visitors.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit("the visitors did not connect")

    def stop(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        report = json.loads(self.proc.stdout.readline())
        self.proc.wait(30)
        return dict(report)


def one_case(
    case: str, net: int, port: int, workspace: str, tokens: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    visitors = None
    if case != "alone":
        job = {
            "port": port,
            "workspace": workspace,
            "origin": SITE,
            "visitors": args.visitors,
            "pace": args.pace if case == "chatting" else 1.0,
            "typing": 3.0 if case == "flood" else 0.0,
            "net": net,
        }
        visitors = Visitors(job)
        time.sleep(args.pace + 1)  # every visitor has begun its chat
    before = cpu_times()
    agents = asyncio.run(fan_out(port, tokens, args.changes, 50.0, None))
    return {
        "agents": agents,
        "visitors": visitors.stop() if visitors else None,
        "steal_pct": steal_pct(before, cpu_times()),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--pace", type=float, default=4.0, help="seconds between messages")
    parser.add_argument("--changes", type=int, default=300, help="agents' changes a case")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--conversations", type=int, default=2000, help="in the relay store")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    made = args.work / f"relay-{args.conversations}.db"
    make_store(made, args.conversations)
    run_dir = args.work / "chat-load"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    store = run_dir / "relay.db"
    shutil.copy(made, store)
    env = {**os.environ, "INBOX_HOME": str(run_dir / "home")}
    inbox("chat", "origins", "add", SITE, "--store", str(store), env=env)
    held = RelayStore.open(store)
    workspace = str(held.meta("workspace"))
    agents = [AGENT] + [f"agent{i}@acme.example.com" for i in range(1, args.agents)]
    tokens = [held.create_token(a, "agent", "2026-12-06T10:00:00.000Z") for a in agents]
    held.close()
    port = free_port()
    relay = subprocess.Popen(
        [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(run_dir / "relay.log", "w"),  # noqa: SIM115
    )
    results: dict[str, Any] = {
        "visitors": args.visitors,
        "agents": args.agents,
        "pace_s": args.pace,
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    try:
        wait_accepting(port, relay)
        time.sleep(1.0)
        net = 1
        for run in range(args.runs):
            done: dict[str, Any] = {}
            for case in args.cases:
                spent = cpu_s(relay.pid)
                done[case] = one_case(case, net, port, workspace, tokens, args)
                done[case]["relay_cpu_s"] = round(cpu_s(relay.pid) - spent, 2)
                done[case]["relay_mb"] = memory_mb(relay.pid)
                net += case != "alone"
                print(f"run {run + 1} {case}: {json.dumps(done[case])}", file=sys.stderr)
            results["runs"].append(done)
        results["relay_peak_rss_mb"] = memory_mb(relay.pid)["VmHWM"]
    finally:
        relay.terminate()
        relay.wait(30)
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    summary: dict[str, Any] = {}
    for case in args.cases:
        runs = [r[case] for r in results["runs"]]
        summary[case] = {
            key: statistics.median(r["agents"][key] for r in runs)
            for key in ("p50_ms", "p99_ms", "read_p50_ms", "read_p99_ms")
        }
        summary[case]["relay_cpu_s"] = statistics.median(r["relay_cpu_s"] for r in runs)
        if case != "alone":
            said = [r["visitors"]["said"] for r in runs]
            summary[case]["said"] = statistics.median(said)
            summary[case]["echo_p50_ms"] = statistics.median(
                r["visitors"]["echo_p50_ms"] for r in runs
            )
            summary[case]["echo_p99_ms"] = statistics.median(
                r["visitors"]["echo_p99_ms"] for r in runs
            )
    results["median"] = summary
    print(json.dumps(results, indent=2))
    (args.work / "chat-load-results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
