"""A real relay process on a loopback port, and replicas joined to it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests import processes
from tests.conftest import INBOX, ROOT, run_inbox

MBOX = ROOT / "examples" / "mail" / "support.mbox"
DANA, BEN = "dana@acme.example.com", "ben@acme.example.com"


def ok(home: Path, *args: str) -> str:
    """stdout of an `inbox` command that must succeed."""
    done = run_inbox(home, *args)
    assert done.returncode == 0, done.stderr
    return str(done.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# a relay with other limits than the defaults: `inbox relay serve` as its code runs it
SERVE_WITH_LIMITS = """
import json, sys
from pathlib import Path
from relay.server.app import serve
from relay.server.limits import Limits
serve(Path(sys.argv[1]), sys.argv[4], int(sys.argv[2]), "inbox", Limits(**json.loads(sys.argv[3])))
"""


class RelayProcess:
    """``inbox relay serve`` on 127.0.0.1 (or ``host``), started and stopped by a test;
    with ``tls`` (certificate, key), over https; ``limits``: fields of ``Limits`` to change
    (plain http then); ``from_replica``: a new store made from that replica; ``args``: more
    flags of `relay serve` (not with ``limits``)."""

    def __init__(
        self,
        where: Path,
        tls: tuple[Path, Path] | None = None,
        host: str = "127.0.0.1",
        limits: dict[str, Any] | None = None,
        from_replica: Path | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.where, self.port, self.limits = where, free_port(), limits
        self.args = args  # more flags of `relay serve`
        self.from_replica = from_replica
        self.store = where / "relay.db"
        self.proc: subprocess.Popen[bytes] | None = None
        self.tls, self.host = tls, host

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> RelayProcess:
        self.log = open(self.where / "relay.log", "ab")  # noqa: SIM115  (closed in stop)
        argv = [*INBOX, "relay", "serve", "--port", str(self.port), "--store", str(self.store)]
        argv += ["--host", self.host]
        if self.tls:
            argv += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        if self.from_replica:
            argv += ["--from-replica", str(self.from_replica)]
        argv += self.args
        if self.limits is not None:
            where = [str(self.store), str(self.port), json.dumps(self.limits), self.host]
            argv = [sys.executable, "-c", SERVE_WITH_LIMITS, *where]
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=self.log, stderr=self.log)
        if processes.listening(self.proc, self.port, 20):
            return self
        raise RuntimeError("relay did not start: " + self.logged())

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
            self.proc = None
        if hasattr(self, "log"):
            self.log.close()

    def logged(self) -> str:
        path = self.where / "relay.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def token(self, agent: str, *extra: str) -> Path:
        done = run_inbox(
            self.where, "relay", "token", "create", agent, "--store", str(self.store), *extra
        )
        assert done.returncode == 0, done.stderr
        path = self.where / f"{agent.split('@')[0]}-{os.urandom(3).hex()}.token"
        path.write_text(done.stdout)
        return path

    def join(self, home: Path, agent: str, *extra: str) -> Path:
        done = run_inbox(home, "join", self.url, "--token-file", str(self.token(agent)), *extra)
        assert done.returncode == 0, done.stderr
        return home


class Watcher:
    """``inbox sync --watch`` for one replica."""

    def __init__(self, home: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
        env.update({"INBOX_HOME": str(home), "NO_COLOR": "1"})
        self.home = home
        self.err = open(home / "watch.log", "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            [*INBOX, "sync", "--watch"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.err,
        )

    def stop(self) -> int:
        code = processes.stop(self.proc, signal.SIGINT)
        self.err.close()
        return code

    def logged(self) -> str:
        return (self.home / "watch.log").read_text(errors="replace")


def wait_for(check: Any, timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something true; the last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def pair(relay: RelayProcess, tmp_path: Path) -> tuple[Path, Path]:
    """Dana's replica with the example mail, synced; then Ben's, joined after it."""
    a = relay.join(tmp_path / "a", DANA)
    ok(a, "import", str(MBOX))
    ok(a, "sync")
    return a, relay.join(tmp_path / "b", BEN)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (``VmHWM``: its peak), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def mail_now(path: Path, subject: str) -> Path:
    """An mbox of one customer's message dated now (an SLA clock that starts with it is
    due seconds from now)."""
    from email.utils import formatdate, make_msgid

    now = time.time()
    path.write_text(
        f"From customer@example.com {time.asctime(time.gmtime(now))}\n"
        "From: A Customer <customer@example.com>\n"
        "To: support@acme.example.com\n"
        f"Subject: {subject}\n"
        f"Date: {formatdate(now, usegmt=True)}\n"
        f"Message-ID: {make_msgid(domain='mail.example.com')}\n"
        "\n"
        "Our export stopped working this morning, please help.\n\n"
    )
    return path


def join_admin(relay: RelayProcess, home: Path, agent: str) -> Path:
    """``agent``'s replica joined with an admin's token (SLAs, rules, settings)."""
    done = run_inbox(home, "join", relay.url, "--token-file", str(relay.token(agent, "--admin")))
    assert done.returncode == 0, done.stderr
    return home
