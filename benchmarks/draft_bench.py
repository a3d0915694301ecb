"""Suggested replies and summaries as whole `inbox` processes under GNU time, medians.

    python benchmarks/draft_bench.py              # the threading corpus, the saved replies
    python benchmarks/draft_bench.py --rewrite    # also: the shipped GGUF rewording each draft

A scratch replica gets tests/data/threading-dev and the team's saved replies
(tests/data/saved-replies.jsonl); `inbox draft ID --json` runs for every conversation.
Each body is checked again here against the conversation and the sources the draft
names: invented entities and repetition loops are counted (0 is the goal), with the
seconds per draft and peak RSS. A 40-message thread is then built (an mbox of 20
questions and 20 answers) and `inbox summarize` timed on it.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from models.assist import guardrails, phrases  # noqa: E402

INBOX = str(Path(sys.executable).parent / "inbox")
DATA = HERE.parent / "tests" / "data"
GNU_TIME = "/usr/bin/time"


def inbox(home: Path, *args: str, stdin: str | None = None) -> tuple[str, float, float]:
    """stdout, wall seconds and peak RSS (MB) of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        done = subprocess.run(
            [GNU_TIME, "-f", "%e %M", "-o", stats.name, INBOX, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "INBOX_HOME": str(home)},
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"inbox {' '.join(args)} failed: {done.stderr[-2000:]}")
        wall, rss_kb = stats.read().split()[-2:]
    return done.stdout, float(wall), int(rss_kb) / 1024


def replica(where: Path) -> tuple[Path, dict[str, str]]:
    home = where / "replica"
    inbox(
        home,
        "init",
        "--workspace",
        "acme",
        "--agent",
        "dana@acme.example.com",
        "--name",
        "Dana Whitfield",
    )
    inbox(home, "import", str(DATA / "threading-dev"))
    saved = {}
    for line in (DATA / "saved-replies.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        inbox(home, "template", "add", row["name"], "--body-file", "-", stdin=row["body"])
        saved[row["name"]] = row["body"]
    return home, saved


def grounds(home: Path, out: dict[str, Any], saved: dict[str, str]) -> list[str]:
    def texts(ident: str) -> list[str]:
        view = json.loads(inbox(home, "show", ident, "--json")[0])
        return [
            view["subject"],
            view.get("customer_name") or "",
            view["customer"],
            *(m["body"] for m in view["messages"]),
        ]

    found = [*texts(out["conversation"]), "Dana Whitfield", *phrases.HOLDING.values()]
    for source in out["sources"]:
        found += [saved[source]] if source in saved else texts(source)
    return found


def drafts(home: Path, saved: dict[str, str], rewrite: bool) -> dict[str, Any]:
    rows = json.loads(inbox(home, "list", "--status", "all", "--json")[0])
    first = inbox(home, "similar", rows[0]["id"], "--json")[1]  # builds the vector table
    seconds, rss, invented, loops, rejected, by_model = [], [], 0, 0, 0, 0
    kinds: dict[str, int] = {}
    for row in rows:
        args = ["draft", row["id"], "--json", "--force"] + (["--rewrite"] if rewrite else [])
        stdout, wall, mb = inbox(home, *args)
        out = json.loads(stdout)
        seconds.append(wall)
        rss.append(mb)
        made_up = guardrails.invented(out["body"], grounds(home, out, saved))
        invented += len(made_up)
        loops += len(guardrails.repeated(out["body"]))
        rejected += any(f["rejected"] == "model" for f in out["flags"])
        by_model += "+gguf:" in out["method"]
        kind = out["retrieved"][0]["kind"] if out["retrieved"] else "holding"
        kinds[kind] = kinds.get(kind, 0) + 1
        if made_up:
            print(f"  {row['id'][:8]} invented: {made_up}", file=sys.stderr)
    return {
        "conversations": len(rows),
        "invented": invented,
        "loops": loops,
        "model_rejected": rejected,
        "model_kept": by_model,
        "sources": kinds,
        "seconds_median": statistics.median(seconds),
        "seconds_max": max(seconds),
        "first_table_build_seconds": first,
        "peak_rss_mb": max(rss),
    }


def long_thread(where: Path) -> Path:
    """An mbox of one 40-message thread: a customer's questions, an agent's answers."""
    lines, parent = [], None
    for n in range(40):
        customer = n % 2 == 0
        sender = (
            "Alex Moreau <alex@moreau-plumbing.example.org>"
            if customer
            else ("Dana Whitfield <support@acme.example.com>")
        )
        to = "support@acme.example.com" if customer else "alex@moreau-plumbing.example.org"
        mid = f"<t{n}@{'moreau-plumbing.example.org' if customer else 'acme.example.com'}>"
        body = (
            f"Hi, job {1000 + n} did not sync to the app after the update. Could you check why?"
            if customer
            else f"Hi Alex, thanks. I will check job {1000 + n - 1} with our engineers and "
            "we'll get back to you by Friday."
        )
        date = email.utils.formatdate(1767000000 + n * 3600, usegmt=True)
        lines += [
            f"From {to} Mon Jan  5 10:00:00 2026",
            f"From: {sender}",
            f"To: {to}",
            "Subject: " + ("Re: " if n else "") + "Jobs not syncing",
            f"Date: {date}",
            f"Message-ID: {mid}",
        ]
        if parent:
            lines += [f"In-Reply-To: {parent}", f"References: {parent}"]
        lines += ["", body, ""]
        parent = mid
    path = where / "long.mbox"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def summaries(home: Path, where: Path, runs: int) -> dict[str, Any]:
    inbox(home, "import", str(long_thread(where)))
    rows = json.loads(inbox(home, "list", "--status", "all", "--json")[0])
    [thread] = [r for r in rows if r["message_count"] == 40]
    timed = [inbox(home, "summarize", thread["id"], "--json") for _ in range(runs)]
    out = json.loads(timed[0][0])
    return {
        "messages": out["messages"],
        "lines": len(out["lines"]),
        "seconds_median": statistics.median(t[1] for t in timed),
        "peak_rss_mb": max(t[2] for t in timed),
        "summary": out["lines"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rewrite", action="store_true", help="the shipped model rewords")
    parser.add_argument("--runs", type=int, default=5, help="summaries timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        home, saved = replica(where)
        print(json.dumps({"drafts": drafts(home, saved, False)}, indent=2))
        if args.rewrite:
            print(json.dumps({"drafts_rewritten": drafts(home, saved, True)}, indent=2))
        print(json.dumps({"summary": summaries(home, where, args.runs)}, indent=2))


if __name__ == "__main__":
    main()
