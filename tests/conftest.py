"""Fixtures: real `inbox` processes on real replica files in temp dirs, and real mail
servers on loopback (tests/mailservers.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.mailservers import Dovecot, Reaper, Smtp
    from tests.relay.relays import RelayProcess

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
INBOX = [sys.executable, "-m", "inbox_cli.main"]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True, scope="session")
def _own_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the developer's ~/.config/inbox: every process the suite
    starts inherits a config folder of the suite's own (``run_inbox`` gives each test one)."""
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before


def run_inbox(
    home: Path,
    *args: str,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[Any]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    # no config file but the test's own (a developer's ~/.config/inbox stays out of it)
    config = str(home.parent / "config")
    full_env.update({"INBOX_HOME": str(home), "NO_COLOR": "1", "XDG_CONFIG_HOME": config})
    full_env.update(env or {})
    binary = isinstance(stdin, bytes)
    return subprocess.run(
        [*prefix, *INBOX, *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        text=not binary,
        cwd=ROOT,
        timeout=120,
    )


def run_on_terminal(
    home: Path, *args: str, editor: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[bytes]:
    """An `inbox` command with stdin and stderr on a pseudo-terminal (a person at it) and
    ``editor`` as $EDITOR; stdout stays a pipe, and what the terminal showed is ``stderr``.
    ``prefix``: a program the command runs under (as ``run_without_root_powers`` gives)."""
    import pty
    import threading

    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "VISUAL")}
    env.update({"INBOX_HOME": str(home), "EDITOR": editor})
    primary, secondary = pty.openpty()
    shown: list[bytes] = []

    def read_terminal() -> None:  # so that a full terminal never blocks the command
        try:
            while chunk := os.read(primary, 4096):
                shown.append(chunk)
        except OSError:
            pass  # the command ended: the terminal is gone

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [*prefix, *INBOX, *args],
            env=env,
            cwd=ROOT,
            stdin=secondary,
            stderr=secondary,
            stdout=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(secondary)
        reader.join(5)
        os.close(primary)
    done.stderr = b"".join(shown)
    return done


def run_without_root_powers() -> tuple[str, ...]:
    """What to run a command under so that file modes bind it: nothing for a user; for
    root, ``setpriv`` without the capabilities that let root ignore them."""
    if os.geteuid() != 0:
        return ()
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def run_on_screen(
    home: Path, *args: str, columns: int = 200, stdin: bytes | None = None
) -> tuple[int, str, str]:
    """An `inbox` command whose stdout is a pseudo-terminal of ``columns`` columns (a
    person reading the table) and whose stderr is a pipe: its exit code, what the
    terminal showed and what went to stderr."""
    import fcntl
    import pty
    import struct
    import termios

    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    env.update({"INBOX_HOME": str(home), "NO_COLOR": "1", "TERM": "xterm"})
    env.pop("COLUMNS", None)
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    attrs = termios.tcgetattr(secondary)
    attrs[1] &= ~termios.ONLCR  # keep line ends as written
    termios.tcsetattr(secondary, termios.TCSANOW, attrs)
    process = subprocess.Popen(
        INBOX + list(args),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    os.close(secondary)
    if stdin is not None and process.stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    shown = read_terminal(primary)
    err = process.stderr.read() if process.stderr else b""
    code = process.wait(timeout=60)
    return code, shown.decode("utf-8"), err.decode("utf-8")


def new_home(where: Path) -> Path:
    """A replica of the acme workspace, as dana, made by `inbox init`."""
    done = run_inbox(
        where,
        "init",
        "--workspace",
        "acme",
        "--agent",
        "dana@acme.example.com",
        "--name",
        "Dana Whitfield",
    )
    assert done.returncode == 0, done.stderr
    return where


@pytest.fixture
def home(tmp_path: Path) -> Path:
    where = new_home(tmp_path / "replica")
    for email, name in (("ben@acme.example.com", "Ben Okoro"), ("ali@acme.example.com", "Ali")):
        assert run_inbox(where, "agent", "add", email, "--name", name).returncode == 0
    return where


@pytest.fixture
def run(home: Path) -> Run:
    def _run(*args: str, **kw: Any) -> subprocess.CompletedProcess[Any]:
        return run_inbox(home, *args, **kw)

    return _run


def add_chats(home: Path, chats: list[dict[str, Any]]) -> list[str]:
    """Conversations made through the library (as the chat gateway will), for CLI tests."""
    from crdt.demo import seed
    from crdt.replica import Replica

    replica = Replica.open(home)
    try:
        return [seed.add_chat(replica, chat) for chat in chats]
    finally:
        replica.close()


@pytest.fixture
def conversations(home: Path) -> list[str]:
    chats = [
        {
            "visitor": "maria@example.com",
            "name": "Maria Santos",
            "at": "2026-11-20T10:00:00Z",
            "messages": [
                ["in", "I was charged twice, a double charge on INV-1"],
                ["out", "We are checking the double charge"],
            ],
        },
        {
            "visitor": "leo@example.net",
            "name": "Leo Brandt",
            "at": "2026-11-21T10:00:00Z",
            "messages": [["in", "Does the Team plan include SSO?"]],
        },
        {
            "visitor": "maria@example.com",
            "name": "Maria Santos",
            "at": "2026-11-22T10:00:00Z",
            "messages": [["in", "The PDF export cuts off the last page"]],
        },
    ]
    return add_chats(home, chats)


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """A real relay process on a loopback port, with its store in a temp dir."""
    from tests.relay.relays import RelayProcess

    where = tmp_path / "relay"
    where.mkdir()
    process = RelayProcess(where).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def _dovecots() -> Iterator[Reaper]:
    """Where the tests' Dovecots go to exit while the next tests run."""
    from tests.mailservers import Reaper

    reaper = Reaper()
    yield reaper
    reaper.finish()


@pytest.fixture
def dovecot(_dovecots: Reaper) -> Iterator[Dovecot]:
    """A Dovecot of the test's own (about 50 ms to start): mailboxes support@ and
    billing@acme.example.com, empty, on a loopback port, IMAP without TLS."""
    from tests.mailservers import Dovecot

    server = Dovecot().start()
    yield server
    _dovecots.later(server)


@pytest.fixture
def dovecot_tls(_dovecots: Reaper, tmp_path: Path) -> Iterator[Dovecot]:
    """The same over TLS only (imaps), with a certificate of a throwaway CA
    (``dovecot_tls.tls.ca``; ``ssl_context()`` trusts it)."""
    from tests.mailservers import Dovecot
    from tests.relay.certificates import make

    server = Dovecot(tls=make(tmp_path / "imap-tls", label="imap")).start()
    yield server
    _dovecots.later(server)


@pytest.fixture(scope="session")
def _smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Smtp]:
    from tests.mailservers import Smtp

    server = Smtp(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _smtp_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Smtp]:
    from tests.mailservers import Smtp
    from tests.relay.certificates import make

    where = tmp_path_factory.mktemp("smtp-tls")
    server = Smtp(where, tls=make(where / "certificates", label="smtp")).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_smtp: Smtp, dovecot: Dovecot) -> Iterator[Smtp]:
    """The suite's SMTP server without TLS or AUTH (a loopback relay), reset for the
    test: it delivers the mail of the test's ``dovecot`` users into their INBOX, and
    captures every message."""
    _smtp.reset()
    _smtp.route(dovecot)
    yield _smtp
    _smtp.reset()


@pytest.fixture
def smtp_tls(_smtp_tls: Smtp, dovecot: Dovecot) -> Iterator[Smtp]:
    """The same with STARTTLS and then AUTH required: the logins are ``dovecot``'s
    mailboxes with their passwords; ``ssl_context()`` trusts its throwaway CA."""
    _smtp_tls.reset()
    _smtp_tls.route(dovecot)
    yield _smtp_tls
    _smtp_tls.reset()


def read_terminal(primary: int, timeout: float = 30.0) -> bytes:
    """Everything a pseudo-terminal's program wrote until it closed its end (or went
    quiet for ``timeout`` seconds); closes ``primary``."""
    import select

    received = bytearray()
    try:
        while select.select([primary], [], [], timeout)[0]:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(primary)
    return bytes(received)
