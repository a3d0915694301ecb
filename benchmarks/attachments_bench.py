"""Big attachments do not stall other mail: a small message delivered right after a mail
with a 25 MB attachment and one of 500 parts reaches the agent as a small one alone does.

    python benchmarks/attachments_bench.py              # 5 runs of each
    python benchmarks/attachments_bench.py --runs 3 --size-mb 10

`relay serve` runs the gateway for an empty mailbox of a real Dovecot (the tests'
fixture) and an agent's replica keeps in step with `inbox sync --watch`. Each run
APPENDs, in turn: the small message alone (the baseline), then the big one, the
500-part one and at once the small one (loaded). The small message is timed from its
APPEND's answer to its Message-ID being in the agent's index (looked at every 10 ms);
so are the big ones, from their own APPENDs. Medians over --runs of each; the two
kinds of run alternate, so a slow minute of the machine falls on both.

Needs Dovecot (`make test` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from gateway_bench import AGENT, add_mailbox  # noqa: E402
from run import arrived, watched_relay  # noqa: E402

from tests.mailservers import BILLING, Dovecot  # noqa: E402


def mail(subject: str, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    message_id = f"<{os.urandom(8).hex()}@bench.example.com>"
    msg = EmailMessage()
    msg["From"] = "Kim Lee <kim@example.org>"
    msg["To"] = BILLING
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Sun, 06 Dec 2026 10:00:00 +0000"
    msg.set_content(f"{subject}.")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message_id, msg.as_bytes(policy=SMTP)


def small(dovecot: Dovecot, index: sqlite3.Connection) -> float:
    message_id, raw = mail("A small question", [])
    dovecot.append(BILLING, "INBOX", raw)
    return arrived(index, message_id, time.perf_counter())


def loaded(dovecot: Dovecot, index: sqlite3.Connection, size: int, parts: int) -> dict[str, float]:
    big_id, big = mail("A big file", [("scan.pdf", os.urandom(size))])
    many_id, many = mail("Many files", [(f"p{n}.pdf", os.urandom(2000)) for n in range(parts)])
    small_id, tiny = mail("A small question", [])
    started = time.perf_counter()
    dovecot.append(BILLING, "INBOX", big)
    appended_big = time.perf_counter()
    dovecot.append(BILLING, "INBOX", many)
    appended_many = time.perf_counter()
    dovecot.append(BILLING, "INBOX", tiny)
    appended_small = time.perf_counter()
    out = {"small": arrived(index, small_id, appended_small)}
    out["big"] = arrived(index, big_id, appended_big)
    out["many"] = arrived(index, many_id, appended_many)
    out["appends"] = appended_small - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-mb", type=float, default=25.0, help="the big attachment (10^6 B)")
    parser.add_argument("--parts", type=int, default=500)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    dovecot = Dovecot().start()
    baseline: list[float] = []
    runs: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory(dir=args.work) as scratch:
            where = Path(scratch)
            store = where / "relay.db"
            add_mailbox(where, store, dovecot, env, BILLING)
            with watched_relay(where, store, AGENT, env) as (_, index):
                size = int(args.size_mb * 1_000_000)
                for n in range(args.runs):
                    baseline.append(small(dovecot, index))
                    runs.append(loaded(dovecot, index, size, args.parts))
                    print(f"run {n + 1}: {baseline[-1]:.3f} s, {runs[-1]}", file=sys.stderr)
                kept = sum(1 for p in store.with_name("relay.blobs").rglob("*") if p.is_file())
    finally:
        dovecot.stop()
        dovecot.close()
    result: dict[str, object] = {
        "runs": args.runs,
        "big_attachment_bytes": size,
        "parts": args.parts,
        "small_alone_ms": round(statistics.median(baseline) * 1000),
        "small_after_big_ms": round(statistics.median(r["small"] for r in runs) * 1000),
        "big_ms": round(statistics.median(r["big"] for r in runs) * 1000),
        "many_ms": round(statistics.median(r["many"] for r in runs) * 1000),
        "appends_ms": round(statistics.median(r["appends"] for r in runs) * 1000),
        "blobs_at_the_relay": kept,
        "each": {"alone": baseline, "loaded": runs},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
