"""What rules cost an arriving message: `inbox import` of the same mail, whole processes,
into a replica without rules and into one with 100.

    python benchmarks/rules_bench.py                    # 1,000 conversations x 3, 3 runs
    python benchmarks/rules_bench.py --conversations 2000 --runs 5

The 100 rules are of every kind of term (mailbox, channel, tag, labels, customer globs,
domain, words, hours, with and/or/not); five of them hold for much of the mail and tag,
set priority or assign to a team of three round-robin, so the cost of firing (a write
of the conversation) is in the figure, not only judging. Each run imports into a fresh
replica; the two kinds alternate, so a slow minute falls on both. The cost per message
is the difference of the medians over the inbound messages imported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import MAILBOXES, WORDS, generate  # noqa: E402
from run import inbox  # noqa: E402

AGENTS = ("ali@acme.example.com", "ben@acme.example.com", "cy@acme.example.com")


def rules() -> list[list[str]]:
    out: list[list[str]] = [
        ["hot", "--when", "words:refund and words:charge", "--tag", "refund"],
        ["billing", "--when", f"mailbox:{MAILBOXES[1]}", "--assign", "team:desk"],
        ["urgent", "--when", "words:'payment card' or words:outage", "--priority", "high"],
        ["nights", "--when", "hours:out and channel:email", "--tag", "after-hours"],
        ["guests", "--when", "domain:example.com and not tag:vip", "--tag", "guest"],
    ]
    for n in range(95):
        word = WORDS[n % len(WORDS)]
        kinds = [
            f"customer:*@nobody{n}.example.net or domain:corp{n}.example.org",
            f"tag:never{n} and words:{word}",
            f"(category:billing or sentiment:negative) and mailbox:x{n}@acme.example.com",
            f"not channel:email and words:'{word} {word}'",
            f"priority:urgent and hours:in and not tag:t{n}",
        ]
        out.append([f"r{n:02d}", "--when", kinds[n % len(kinds)], "--tag", f"t{n}"])
    return out


def replica(where: Path, with_rules: bool) -> dict[str, str]:
    env = {**os.environ, "INBOX_HOME": str(where), "NO_COLOR": "1"}
    inbox("init", "--agent", AGENTS[0], env=env)
    for address in MAILBOXES:
        inbox("mailbox", "add", address, env=env)
    if with_rules:
        for agent in AGENTS[1:]:
            inbox("agent", "add", agent, env=env)
        inbox("team", "add", "desk", *AGENTS, env=env)
        for rule in rules():
            inbox("rule", "add", *rule, env=env)
    return env


def timed_import(mbox: Path, env: dict[str, str]) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    report = json.loads(inbox("import", str(mbox), "--json", env=env))
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mbox = work / "mail.mbox"
        generate(mbox, args.conversations, args.messages, style="short")
        times: dict[bool, list[float]] = {False: [], True: []}
        fired = inbound = 0
        for run in range(args.runs):
            for with_rules in (False, True):
                env = replica(work / f"r{run}-{int(with_rules)}", with_rules)
                seconds, report = timed_import(mbox, env)
                times[with_rules].append(seconds)
                if with_rules:
                    fired, inbound = report["rules_fired"], report["arrived"]
        base, ruled = statistics.median(times[False]), statistics.median(times[True])
        messages = args.conversations * args.messages
        print(json.dumps({
            "conversations": args.conversations,
            "messages": messages,
            "rules": len(rules()),
            "firings": fired,
            "inbound_arrived": inbound,
            "import_s_median": {"without_rules": round(base, 3), "with_100_rules": round(ruled, 3)},
            "ms_per_arriving_message": round((ruled - base) * 1000 / max(inbound, 1), 3),
            "runs": args.runs,
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
