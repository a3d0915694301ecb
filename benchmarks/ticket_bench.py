"""What tickets cost: `list` with and without tickets, `ticket list`, and `inbox ticket`
offline and against a relay that numbers it. Whole processes, medians of several runs.

    python benchmarks/ticket_bench.py --conversations 5000 --tickets 1000 --runs 9

A synthetic workspace (generate.py, short mail) is imported into a replica, copied, and
the copy gets ``--tickets`` tickets through the library. The listings of the two alternate
run by run, so a slow minute falls on both. Then a relay is made from the copy (`relay
serve --from-replica`, which numbers the tickets made alone), the copy joins it, and each
run makes another conversation a ticket: the command's whole process, the relay's number
included (it syncs for up to two seconds after a change).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import INBOX, free_port, inbox, median_ms, run_rss, wait_accepting  # noqa: E402

AGENT = "ben@acme.example.com"


def replica(where: Path, conversations: int, env: dict[str, str]) -> Path:
    mbox = where / "mail.mbox"
    generate = [sys.executable, str(HERE / "generate.py"), "--style", "short"]
    generate += ["--conversations", str(conversations), "--messages", "2", "-o", str(mbox)]
    subprocess.run(generate, check=True, capture_output=True)
    home = where / "plain"
    home_env = {**env, "INBOX_HOME": str(home)}
    inbox("init", "--workspace", "acme", "--agent", AGENT, "--name", "Ben", env=home_env)
    inbox("import", str(mbox), env=home_env)
    return home


def ids(env: dict[str, str]) -> list[str]:
    return inbox("list", "--status", "all", "-0", env=env).strip("\0").split("\0")


def make_tickets(home: Path, idents: list[str]) -> float:
    """Seconds to make these conversations tickets through the library, one by one."""
    from crdt import ticketing
    from crdt.replica import Replica

    start = time.perf_counter()
    with Replica.open(home) as opened:
        for n, ident in enumerate(idents):
            kind = ("question", "incident", "problem", "task")[n % 4]
            ticketing.ticket(opened, ident, kind, None, [f"order=A-{n}"])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    exe = [str(Path(sys.executable).parent / "inbox")]
    out: dict[str, object] = {"conversations": args.conversations, "tickets": args.tickets}
    with tempfile.TemporaryDirectory() as scratch:
        where = Path(scratch)
        env = {"PATH": str(Path(sys.executable).parent), "HOME": scratch}
        plain = replica(where, args.conversations, env)
        tickets = where / "tickets"
        shutil.copytree(plain, tickets)
        plain_env, ticket_env = (
            {**env, "INBOX_HOME": str(plain)},
            {**env, "INBOX_HOME": str(tickets)},
        )
        every = ids(ticket_env)
        made = make_tickets(tickets, every[: args.tickets])
        out["library: make a ticket (mean over the loop)_ms"] = round(made / args.tickets * 1000, 2)
        samples: dict[str, list[float]] = {}
        for run in range(args.runs):
            for name, home_env in (("no tickets", plain_env), ("with tickets", ticket_env)):
                argv = [*exe, "list", "--limit", "50"]
                samples.setdefault(f"list --limit 50 ({name})", []).append(
                    run_rss(argv, home_env)[0]
                )
                argv = [*exe, "list", "--limit", "50", "--json"]
                key = f"list --limit 50 --json ({name})"
                samples.setdefault(key, []).append(run_rss(argv, home_env)[0])
            for name, extra in (
                ("ticket list --limit 50", ["--limit", "50"]),
                ("ticket list --status all --json (every ticket)", ["--status", "all", "--json"]),
            ):
                argv = [*exe, "ticket", "list", *extra]
                samples.setdefault(name, []).append(run_rss(argv, ticket_env)[0])
            argv = [*exe, "ticket", every[run], "--field", f"plan=p{run}"]
            samples.setdefault("ticket ID --field (offline, no relay)", []).append(
                run_rss(argv, ticket_env)[0]
            )
        out.update({k: median_ms(v) for k, v in samples.items()})
        out["online"] = online(where, tickets, every[args.tickets :], args.runs, env)
    print(json.dumps(out, indent=2))


def online(
    where: Path, home: Path, fresh: list[str], runs: int, env: dict[str, str]
) -> dict[str, object]:
    """A relay made from the replica; the replica joins; each run a new ticket, numbered."""
    port, store = free_port(), where / "relay.db"
    serve = [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store)]
    serve += ["--from-replica", str(home)]
    relay = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        start = time.perf_counter()
        wait_accepting(port, relay)
        seeded = time.perf_counter() - start
        token = where / "ben.token"
        token.write_text(
            inbox("relay", "token", "create", AGENT, "--admin", "--store", str(store), env=env)
        )
        home_env = {**env, "INBOX_HOME": str(home)}
        inbox("join", f"http://127.0.0.1:{port}", "--token-file", str(token), env=home_env)
        numbers, samples, claims = [], [], []
        for n, ident in enumerate(fresh[:runs]):
            argv = [*INBOX, "ticket", ident, "--type", "incident", "--json"]
            samples.append(run_rss(argv, home_env)[0])
            shown = json.loads(inbox("show", ident, "--json", env=home_env))
            numbers.append(shown["ticket"]["number"])
            claim = [*INBOX, "claim", fresh[runs + n]]  # the same wait for the relay's order
            claims.append(run_rss(claim, home_env)[0])
        return {
            "relay seeded from the replica (start to accepting)_s": round(seeded, 2),
            "ticket ID --type incident (made, numbered by the relay)": median_ms(samples),
            "claim ID (beside it: ordered by the relay)": median_ms(claims),
            "numbers given": numbers,
        }
    finally:
        relay.terminate()
        relay.wait(30)


if __name__ == "__main__":
    main()
