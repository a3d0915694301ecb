"""`inbox stats --since 365d --by day` over a replica of N conversations, whole processes:
the first run (the full build of the analytics file from the replica's index), then
repeated runs with nothing changed (the marker is current: DuckDB only), and the
peak RSS of each (GNU time).

    python benchmarks/stats_bench.py                          # 100,000 conversations
    python benchmarks/stats_bench.py --conversations 1000000 --runs 7
    python benchmarks/stats_bench.py --home DIR --runs 7       # a replica made before (kept)

The input is synthesised, not imported: the analytics build reads only the replica's
index (each row's packed view, and the marker columns), so the benchmark writes index
rows directly, in the shape the index holds them: views with every key a real one has
(messages with bodies, activity, labels ...), packed by ``index.pack_view``, the row's
columns from ``index.rows``, into the ``conversations`` table of a replica made by
`inbox init` (schema.py), numbered as changes (``index_changes``) as the index numbers
what it writes, in one SQLite transaction. Two worker processes make the
rows while this one writes them. Importing a million conversations through `inbox
import` would take hours and measure the import, not the analytics. The other tables
of the index (search, participants, mail_ids ...) are left empty: the build never
reads them. Views are LZ4 without a dictionary (a replica's way until it trains one at
a large import; zstd with a dictionary decompresses a little slower).

Each conversation begins at a random moment of the last 364 days, from one of 5,000
customers to one of three mailboxes: one inbound message; 80% get a reply from one of
8 agents (who claims it) minutes to days later; 60% of those are closed after; 30% are
tagged; 20% get a second inbound message. So ``--since 365d`` covers them all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import INBOX, inbox, run_rss  # noqa: E402

AGENTS = tuple(f"agent{n}@acme.example.com" for n in range(8))
MAILBOXES = ("support@acme.example.com", "billing@acme.example.com", "sales@acme.example.com")
TAGS = ("billing", "refund", "bug", "vip", "login", "feature")
BODIES = (
    "Hi, I was charged twice for my subscription this month. Could you refund the second "
    "charge? The invoice numbers are 4411 and 4412. Thanks, {name}",
    "Hello, since yesterday I cannot log in: the password reset mail never arrives. I checked "
    "the spam folder. Can you help? {name}",
    "Love the product! Any plans for a dark mode? My eyes would thank you.\n\n{name}",
    "Our team workspace export fails with an error on page 3 of the report. Browser: Firefox "
    "on Android. Steps: open settings, export, choose CSV. Regards, {name}",
)
REPLY = "Thanks {name}, I have looked into it and it is fixed on our side. Anything else?"
CHUNK = 5_000  # rows a worker makes at a time
DAY = 86400


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def ident(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def view_of(i: int, now: float) -> dict[str, Any]:
    """Conversation ``i``: the same for the same ``i`` (its own random stream)."""
    rng = random.Random(i)
    cid = ident("c", i)
    start = now - rng.random() * 364 * DAY  # a day to spare: the runs come later
    person = rng.randrange(5000)
    customer, name = f"customer{person}@example.com", f"Customer {person}"
    mailbox = rng.choice(MAILBOXES)
    subject = f"Question {i % 997}"
    messages = [_inbound(cid, 0, start, customer, name, mailbox, subject, rng)]
    activity = [
        {"action": "create", "at": iso(start), "who": customer},
        {"action": "message_in", "at": iso(start), "who": customer},
    ]
    status, assignee, tags, last_out = "open", None, [], None
    t = start
    if rng.random() < 0.8:
        assignee = rng.choice(AGENTS)
        t += rng.expovariate(1 / 7200)
        messages.append(_reply(cid, t, assignee, customer, name, mailbox, subject, messages[0]))
        activity += [
            {"action": "claim", "at": iso(t), "who": assignee},
            {"action": "message_out", "at": iso(t), "who": assignee},
        ]
        last_out = iso(t)
        if rng.random() < 0.6:
            t += rng.expovariate(1 / DAY)
            status = "closed"
            activity.append({"action": "status", "at": iso(t), "detail": "closed", "who": assignee})
    if rng.random() < 0.3:
        tags = [rng.choice(TAGS)]
        t += 60
        activity.append({"action": "tag", "at": iso(t), "detail": tags[0], "who": assignee})
    if rng.random() < 0.2:
        t += rng.expovariate(1 / DAY)
        messages.append(_inbound(cid, 1, t, customer, name, mailbox, subject, rng))
        activity.append({"action": "message_in", "at": iso(t), "who": customer})
        status = "open"
    ins = [m["created_at"] for m in messages if m["direction"] == "in"]
    return {
        "activity": activity,
        "assigned_at": activity[2]["at"] if assignee else None,
        "assignee": assignee,
        "assignee_tentative": False,
        "category": None,
        "channel": "email",
        "created_at": iso(start),
        "customer": customer,
        "customer_name": name,
        "drafts": [],
        "id": cid,
        "labels_set_by": {"category": None, "priority": None, "sentiment": None},
        "last_inbound_at": max(ins),
        "last_outbound_at": last_out,
        "lost_claims": [],
        "mailbox": mailbox,
        "merged_into": None,
        "message_count": len(messages),
        "messages": messages,
        "notes": [],
        "priority": "normal",
        "rules_fired": [],
        "sentiment": None,
        "sla_policy": None,
        "snoozed_until": None,
        "status": status,
        "subject": subject,
        "tags": tags,
        "triage": None,
        "updated_at": activity[-1]["at"],
    }


def _inbound(
    cid: str,
    n: int,
    t: float,
    customer: str,
    name: str,
    mailbox: str,
    subject: str,
    rng: random.Random,
) -> dict[str, Any]:
    return {
        "body": rng.choice(BODIES).format(name=name),
        "cc": [],
        "channel": "email",
        "content_key": ident("k", cid, n) * 2,
        "created_at": iso(t),
        "delivery": None,
        "direction": "in",
        "from": customer,
        "from_name": name,
        "id": ident("m", cid, n),
        "message_id": f"{ident('mid', cid, n)}@mail.example.com",
        "subject": subject if n == 0 else f"Re: {subject}",
        "to": [mailbox],
    }


def _reply(
    cid: str,
    t: float,
    agent: str,
    customer: str,
    name: str,
    mailbox: str,
    subject: str,
    first: dict[str, Any],
) -> dict[str, Any]:
    return {
        "author": agent,
        "body": REPLY.format(name=name),
        "channel": "email",
        "created_at": iso(t),
        "delivery": "sent",
        "delivery_at": iso(t + 5),
        "direction": "out",
        "from": mailbox,
        "from_name": agent.split("@")[0],
        "id": ident("r", cid),
        "in_reply_to": [first["message_id"]],
        "message_id": None,
        "subject": f"Re: {subject}",
        "to": [customer],
    }


def make_rows(job: tuple[int, int, float]) -> list[tuple[Any, ...]]:
    """Rows ``lo`` to ``hi`` of ``conversations`` (rid first), as the index writes them."""
    from crdt.store.index import pack_view, rows

    lo, hi, now = job
    out = []
    for i in range(lo, hi):
        view = view_of(i, now)
        values = rows(view, pack_view(view, bulk=True)).values
        out.append((i + 1, *values.values()))
    return out


def columns() -> list[str]:
    from crdt.store.index import pack_view, rows

    view = view_of(0, time.time())
    return ["rid", *rows(view, pack_view(view, bulk=True)).values]


def synthesise(home: Path, n: int) -> float:
    """A replica at ``home`` with ``n`` conversations in its index; seconds taken."""
    start = time.perf_counter()
    env = {**os.environ, "INBOX_HOME": str(home), "NO_COLOR": "1"}
    inbox("init", "--agent", AGENTS[0], env=env)
    names = columns()
    sql = f"INSERT INTO conversations({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    now = time.time()
    jobs = [(lo, min(lo + CHUNK, n), now) for lo in range(0, n, CHUNK)]
    conn = sqlite3.connect(home / "replica.db", isolation_level=None)
    conn.execute("BEGIN")
    with multiprocessing.get_context("fork").Pool(2) as workers:
        for made in workers.imap(make_rows, jobs):
            conn.executemany(sql, made)
    conn.execute("INSERT INTO index_changes SELECT id, rid FROM conversations")  # numbered
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def stats(env: dict[str, str], *more: str) -> dict[str, Any]:
    done = subprocess.run(
        [*INBOX, "stats", "--since", "365d", "--by", "day", "--json", *more],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _count(home: Path) -> int:
    conn = sqlite3.connect(home / "replica.db")
    try:
        return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5, help="runs after the first build")
    p.add_argument("--builds", type=int, default=1, help="full builds (--rebuild after the first)")
    p.add_argument("--dir", type=Path, help="where the replica goes (default: a temporary one)")
    p.add_argument(
        "--home",
        type=Path,
        help="time a replica synthesised before (its analytics file is built anew)",
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        if args.home:
            home, made = args.home, 0.0
            (home / "analytics.duckdb").unlink(missing_ok=True)
            args.conversations = _count(home)
        else:
            home = Path(scratch) / "replica"
            made = synthesise(home, args.conversations)
        size = (home / "replica.db").stat().st_size
        print(
            f"{args.conversations:,} conversations, {size >> 20} MB"
            + (f", synthesised in {made:.1f} s" if made else ""),
            flush=True,
        )
        env = {**os.environ, "INBOX_HOME": str(home), "NO_COLOR": "1"}
        argv = [*INBOX, "stats", "--since", "365d", "--by", "day"]
        builds = [run_rss(argv, env)]
        builds += [run_rss([*argv, "--rebuild"], env) for _ in range(args.builds - 1)]
        print(f"full builds: {', '.join(f'{s:.1f} s' for s, _ in builds)}", flush=True)
        runs = [run_rss(argv, env) for _ in range(args.runs)]
        print(f"runs: {', '.join(f'{s:.2f} s' for s, _ in runs)}", flush=True)
        figures = stats(env)
        assert figures["built"]["how"] == "current", figures["built"]
        total = figures["totals"]["conversations"]
        assert total == args.conversations, (total, args.conversations)
        duck = (home / "analytics.duckdb").stat().st_size
        print(
            json.dumps(
                {
                    "conversations": args.conversations,
                    "synthesis_s": round(made, 1),
                    "first_build_s": [round(s, 2) for s, _ in builds],
                    "first_build_rss_mb": max(r for _, r in builds) >> 10,
                    "stats_runs": len(runs),
                    "stats_median_s": round(statistics.median(s for s, _ in runs), 3),
                    "stats_max_s": round(max(s for s, _ in runs), 3),
                    "stats_rss_mb": max(r for _, r in runs) >> 10,
                    "analytics_mb": duck >> 20,
                    "replica_mb": size >> 20,
                    "groups": len(figures["groups"]),
                    "messages": figures["totals"]["messages"],
                }
            )
        )


if __name__ == "__main__":
    main()
