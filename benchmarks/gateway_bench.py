"""The mail gateway against a real Dovecot on loopback: its first sync of a mailbox, and
how long a delivered message takes to reach an agent's replica.

    python benchmarks/gateway_bench.py                         # 10,000 messages, 50 deliveries
    python benchmarks/gateway_bench.py --messages 2000 --deliveries 20 --runs 3

First sync: the mailbox is filled by IMAP APPEND (not timed) with mail written by
generate.py, then `inbox relay gateway --once` runs as a whole process beside a relay
(`relay serve --no-gateway`): messages a second over the whole process (connect, read,
import, sync to the relay), with its peak RSS from GNU time; medians over --runs, each
on a fresh store. Delivery: `relay serve` runs the gateway for another, empty mailbox, an agent's
replica keeps in step with `inbox sync --watch`, and each message APPENDed to its INBOX
is timed from the
APPEND's answer to its Message-ID being in the agent's index (what `inbox list` reads),
looked at every 10 ms. Reply: `inbox reply` to each of those conversations (it claims
first), timed from its return to the SMTP server (aiosmtpd, the tests' own) having
accepted the mail.

Needs Dovecot (`make test` installs it) and runs it with the tests' own fixture.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import generate  # noqa: E402
from run import INBOX, arrived, free_port, inbox, wait_accepting, watched_relay  # noqa: E402

from tests.mailservers import BILLING, MAILBOXES, SUPPORT, Dovecot, Smtp  # noqa: E402

AGENT = "dana@acme.example.com"


def fill(dovecot: Dovecot, raw: list[bytes]) -> None:
    with dovecot.client(SUPPORT) as imap:
        for message in raw:
            imap.append("INBOX", message)


def add_mailbox(
    where: Path,
    store: Path,
    dovecot: Dovecot,
    env: dict[str, str],
    address: str = SUPPORT,
    smtp: Smtp | None = None,
) -> None:
    secret = where / "mailbox.password"
    secret.write_text(MAILBOXES[address] + "\n")
    os.chmod(secret, 0o600)
    sends = ["--smtp", f"127.0.0.1:{smtp.port}"] if smtp else []
    inbox(
        "relay", "mailbox", "add", address, "--store", str(store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none", *sends,
        "--password-file", str(secret), env=env,
    )  # fmt: skip


def first_sync(dovecot: Dovecot, count: int, work: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        where = Path(scratch)
        store, port = where / "relay.db", free_port()
        add_mailbox(where, store, dovecot, env)
        relay = subprocess.Popen(
            [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store), "--no-gateway"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_accepting(port, relay)
            timer = shutil.which("time") or "/usr/bin/time"
            report = where / "rss"
            url = f"http://127.0.0.1:{port}"
            start = time.perf_counter()
            argv = [timer, "-f", "%M", "-o", str(report), *INBOX, "relay", "gateway"]
            subprocess.run(
                [*argv, "--store", str(store), "--url", url, "--once"],
                env=env,
                capture_output=True,
                check=True,
            )
            seconds = time.perf_counter() - start
            peak_mb = int(report.read_text().split()[-1]) / 1024
        finally:
            relay.terminate()
            relay.wait(30)
    return {"seconds": seconds, "per_second": count / seconds, "peak_mb": peak_mb}


def deliveries(
    dovecot: Dovecot, smtp: Smtp, template: bytes, count: int, work: Path, env: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Seconds from each APPEND to the agent's index; then from each `inbox reply`'s
    return to the SMTP server's having the mail."""
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        where = Path(scratch)
        store = where / "relay.db"
        add_mailbox(where, store, dovecot, env, BILLING, smtp)  # empty: it idles at once
        with watched_relay(where, store, AGENT, env) as (home, index):
            inbound = [_one(dovecot, index, template, n) for n in range(count)]
            ids = [str(r[0]) for r in index.execute("SELECT id FROM conversations")]
            outbound = [_reply(smtp, ident, home) for ident in ids[:count]]
            return inbound, outbound


def _one(dovecot: Dovecot, index: sqlite3.Connection, template: bytes, n: int) -> float:
    """APPEND one new message; seconds until its Message-ID is in the agent's index."""
    message_id = f"<delivery-{n}-{os.urandom(6).hex()}@bench.example.com>"
    raw = template.replace(b"Message-ID:", b"X-Old-Message-ID:", 1)
    raw = raw.replace(b"Subject:", b"X-Old-Subject:", 1)  # a conversation of its own
    head = f"Message-ID: {message_id}\r\nSubject: Delivery {n} of the benchmark\r\n"
    raw = head.encode() + raw
    # to the address whose INBOX it lands in, so the reply goes out from there
    raw = raw.replace(b"info@acme.example.com", BILLING.encode())
    dovecot.append(BILLING, "INBOX", raw)
    return arrived(index, message_id, time.perf_counter(), 30)


def _reply(smtp: Smtp, ident: str, home: dict[str, str]) -> float:
    """`inbox reply` (it claims first); seconds from its return until the SMTP server
    has accepted one more message."""
    before = len(smtp.captured())
    inbox("reply", ident, "-m", "Thanks, we are on it.", env=home)
    start = time.perf_counter()
    while time.perf_counter() - start < 30:
        if len(list((smtp.where / "captured").glob("*.json"))) > before:
            return time.perf_counter() - start
        time.sleep(0.01)
    raise SystemExit(f"the reply to {ident} did not reach the SMTP server in 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    mbox = args.work / f"gateway-{args.messages}.mbox"
    if not mbox.exists():
        generate(mbox, args.messages // 5, 5)
    raw = [m.as_bytes() for m in mailbox.mbox(str(mbox))]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result: dict[str, object] = {"messages": len(raw)}
    dovecot = Dovecot().start()
    smtp = Smtp(args.work / "smtp").start()
    smtp.reset()  # what an earlier run captured there
    smtp.route(dovecot)
    try:
        print(f"appending {len(raw)} messages ...", file=sys.stderr)
        fill(dovecot, raw)
        runs = [first_sync(dovecot, len(raw), args.work, env) for _ in range(args.runs)]
        for key in runs[0]:
            result[f"first_sync_{key}"] = round(statistics.median(r[key] for r in runs), 1)
        result["first_sync_runs"] = runs
        inbound, outbound = deliveries(dovecot, smtp, raw[0], args.deliveries, args.work, env)
    finally:
        smtp.stop()
        dovecot.stop()
        dovecot.close()
    for name, waits in (("delivery", inbound), ("reply", outbound)):
        waits.sort()
        result[f"{name}_p50_ms"] = round(statistics.median(waits) * 1000, 1)
        result[f"{name}_p90_ms"] = round(waits[int(len(waits) * 0.9) - 1] * 1000, 1)
        result[f"{name}_max_ms"] = round(waits[-1] * 1000, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
