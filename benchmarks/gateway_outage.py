"""The mail server down for a while: the gateway reconnects and catches up, nothing lost.

    python benchmarks/gateway_outage.py                 # Dovecot stopped for 60 s
    python benchmarks/gateway_outage.py --down 10

A real Dovecot on loopback (the tests' own), `relay serve` running the gateway, dana's
replica in step with `inbox sync --watch`. Five messages arrive and reach dana; Dovecot
is stopped, its IMAP sessions killed; five more are delivered into the mailbox meanwhile
(written into its Maildir, as a delivery agent does while IMAP is down); after --down
seconds Dovecot starts again. Reported: the mailbox's state during the outage (`relay
mailbox list`), seconds from the restart until all ten are in dana's index, and how many
arrived.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from run import INBOX, free_port, inbox  # noqa: E402

from tests.mailservers import MAILBOXES, SUPPORT, Dovecot  # noqa: E402

DANA = "dana@acme.example.com"
MBOX = ROOT / "examples" / "mail" / "support.mbox"


def messages(n: int) -> list[bytes]:
    """``n`` messages of their own (Message-ID and subject made unique)."""
    template = next(iter(mailbox.mbox(str(MBOX)))).as_bytes()
    out = []
    for i in range(n):
        raw = template.replace(b"Message-ID:", b"X-Old-Message-ID:", 1)
        raw = raw.replace(b"Subject:", b"X-Old-Subject:", 1)
        head = f"Message-ID: <outage-{i}-{os.urandom(4).hex()}@bench.example.com>\n"
        out.append((head + f"Subject: Outage message {i}\n").encode() + raw)
    return out


def arrived(index: Path) -> int:
    conn = sqlite3.connect(index)
    try:
        row = conn.execute("SELECT count(*) FROM mail_ids WHERE message_id LIKE 'outage-%'")
        return int(row.fetchone()[0])
    finally:
        conn.close()


def wait_until(check: object, want: int, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if check() >= want:  # type: ignore[operator]
            return time.perf_counter() - start
        time.sleep(0.05)
    raise SystemExit(f"only {check()} of {want} arrived in {timeout:.0f} s")  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--down", type=float, default=60.0, help="seconds Dovecot is stopped")
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="inbox-outage-"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    dovecot = Dovecot().start()
    store, port = where / "relay.db", free_port()
    secret = where / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    inbox(
        "relay", "mailbox", "add", SUPPORT, "--store", str(store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none",
        "--password-file", str(secret), env=env,
    )  # fmt: skip
    relay = subprocess.Popen(
        [*INBOX, "relay", "serve", "--port", str(port), "--store", str(store)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    watcher = None
    try:
        time.sleep(2)
        home = {**env, "INBOX_HOME": str(where / "dana")}
        token = where / "dana.token"
        token.write_text(inbox("relay", "token", "create", DANA, "--store", str(store), env=env))
        inbox("join", f"http://127.0.0.1:{port}", "--token-file", str(token), env=home)
        watcher = subprocess.Popen([*INBOX, "sync", "--watch"], env=home, stderr=subprocess.DEVNULL)
        index = where / "dana" / "replica.db"
        mail = messages(10)
        for raw in mail[:5]:
            dovecot.append(SUPPORT, "INBOX", raw.replace(b"\n", b"\r\n"))
        wait_until(lambda: arrived(index), 5, 60)
        dovecot.stop()
        # its IMAP sessions outlive the master process: ended too, as a crash would
        subprocess.run(["pkill", "-KILL", "-f", "dovecot/imap"], check=False)
        for n, raw in enumerate(mail[5:]):  # into Maildir/new, as a delivery agent writes
            new = dovecot.maildir(SUPPORT) / "new" / f"{time.time():.6f}.outage{n}.bench"
            new.write_bytes(raw)
            os.chown(new, dovecot.uid, dovecot.gid)
        time.sleep(args.down)
        during = json.loads(
            inbox("relay", "mailbox", "list", "--store", str(store), "--json", env=env)
        )
        dovecot.start()
        caught_up = wait_until(lambda: arrived(index), 10, 600)
        result = {
            "down_s": args.down,
            "state_during": during[0]["state"],
            "error_during": during[0]["error"],
            "caught_up_after_restart_s": round(caught_up, 1),
            "arrived": arrived(index),
            "sent": len(mail),
        }
        print(json.dumps(result, indent=2))
    finally:
        if watcher is not None:
            watcher.terminate()
            watcher.wait(30)
        relay.terminate()
        relay.wait(30)
        dovecot.stop()
        dovecot.close()


if __name__ == "__main__":
    main()
