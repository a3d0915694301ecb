"""Exactly once, tried: the mail gateway killed (SIGKILL) at a random moment while it sends,
then started again, over and over; every reply must reach the SMTP server once.

    python benchmarks/gateway_kills.py                   # 100 trials of 3 replies each
    python benchmarks/gateway_kills.py --no-sent-copy    # a server that files nothing in Sent

A real Dovecot and SMTP server (the tests' own) on loopback, a relay, and dana's replica.
Each trial: dana queues 3 replies and syncs; `inbox relay gateway` starts and is killed
after a random 0-1.5 s (while it connects, reads, sends, or writes back); `relay gateway
--once` then finishes what is left. Counted over all trials: replies the SMTP server got
twice (duplicates) and never (losses), and the copies in the mailbox's Sent folder of
each. By default the SMTP server files what a mailbox sends in its Sent folder before it
says yes, as Gmail and Microsoft 365 do (the mailbox is set `--sent-copy server`), and the
gateway looks there before it sends a reply again; with --no-sent-copy it files nothing,
the gateway files its own copy (`--sent-copy append`), and a kill between the server's
yes and the ledger's "sent" sends twice.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email import policy
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from run import INBOX, free_port, inbox  # noqa: E402

from tests.mailservers import MAILBOXES, SUPPORT, Dovecot, Smtp  # noqa: E402

DANA = "dana@acme.example.com"
CUSTOMER = (
    b"From: Maria Santos <maria@example.com>\r\nTo: support@acme.example.com\r\n"
    b"Subject: Refund for INV-2041\r\nMessage-ID: <refund-2041@example.com>\r\n"
    b"Date: Thu, 03 Dec 2026 09:00:00 +0000\r\n\r\nHello, I was charged twice.\r\n"
)


def sent_ids(smtp: Smtp) -> Counter[str]:
    """How many times the SMTP server accepted each Message-ID."""
    seen: Counter[str] = Counter()
    for eml in sorted((smtp.where / "captured").glob("*.eml")):
        parsed = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        seen[str(parsed["Message-ID"]).strip("<>")] += 1
    return seen


def sent_copies(dovecot: Dovecot) -> Counter[str]:
    """How many copies support@'s Sent folder holds of each Message-ID."""
    seen: Counter[str] = Counter()
    with dovecot.client(SUPPORT) as imap:
        if not imap.folder_exists("Sent"):
            return seen
        imap.select_folder("Sent", readonly=True)
        uids = imap.search(["ALL"])
        if not uids:
            return seen
        for data in imap.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).values():
            header = next(v for k, v in data.items() if k.startswith(b"BODY"))
            parsed = email.message_from_bytes(header, policy=policy.default)
            seen[str(parsed["Message-ID"]).strip("<>")] += 1
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--replies", type=int, default=3, help="queued for each trial")
    parser.add_argument("--no-sent-copy", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    where = Path(tempfile.mkdtemp(prefix="inbox-kills-"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    dovecot = Dovecot().start()
    smtp = Smtp(where / "smtp").start()
    smtp.route(dovecot, file_sent=not args.no_sent_copy)
    store, port = where / "relay.db", free_port()
    url = f"http://127.0.0.1:{port}"
    secret = where / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    inbox(
        "relay", "mailbox", "add", SUPPORT, "--store", str(store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
        "--security", "none", "--password-file", str(secret),
        "--sent-copy", "append" if args.no_sent_copy else "server", env=env,
    )  # fmt: skip
    serve = ["relay", "serve", "--port", str(port), "--store", str(store), "--no-gateway"]
    relay = subprocess.Popen([*INBOX, *serve], env=env, stderr=subprocess.DEVNULL)
    gateway = [*INBOX, "relay", "gateway", "--store", str(store), "--url", url]
    try:
        time.sleep(2)
        home = {**env, "INBOX_HOME": str(where / "dana")}
        token = where / "dana.token"
        token.write_text(
            inbox("relay", "token", "create", DANA, "--admin", "--store", str(store), env=env)
        )
        inbox("join", url, "--token-file", str(token), env=home)
        dovecot.append(SUPPORT, "INBOX", CUSTOMER)
        inbox(*gateway[len(INBOX) :], "--once", env=env)
        inbox("sync", env=home)
        ident = json.loads(inbox("list", "--json", env=home))[0]["id"]
        inbox("claim", ident, env=home)
        queued: list[str] = []
        for trial in range(args.trials):
            for n in range(args.replies):
                made = json.loads(
                    inbox("reply", ident, "-m", f"trial {trial}.{n}", "--json", env=home)
                )
                queued.append(f"{made['id']}@acme.example.com")
            inbox("sync", env=home)
            proc = subprocess.Popen(gateway, env=env, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            inbox(*gateway[len(INBOX) :], "--once", env=env)
            seen, filed = sent_ids(smtp), sent_copies(dovecot)
            print(
                f"trial {trial + 1}: {sum(1 for q in queued if seen[q] > 1)} duplicates, "
                f"{sum(1 for q in queued if not seen[q])} lost, "
                f"{sum(1 for q in queued if filed[q] != 1)} without one copy in Sent so far",
                file=sys.stderr,
            )
        seen, filed = sent_ids(smtp), sent_copies(dovecot)
        result = {
            "trials": args.trials,
            "replies": len(queued),
            "sent_copy": "append" if args.no_sent_copy else "server",
            "duplicates": sum(1 for q in queued if seen[q] > 1),
            "lost": sum(1 for q in queued if not seen[q]),
            # replies by how many copies of each Sent holds: {1: all of them} is right
            "copies_in_sent": dict(sorted(Counter(filed[q] for q in queued).items())),
        }
        print(json.dumps(result, indent=2))
    finally:
        relay.terminate()
        relay.wait(30)
        smtp.stop()
        dovecot.stop()
        dovecot.close()


if __name__ == "__main__":
    main()
