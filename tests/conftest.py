"""Fixtures: real `inbox` processes on real replica files in temp dirs."""

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
    from tests.relay.relays import RelayProcess

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
INBOX = [sys.executable, "-m", "inbox_cli.main"]

Run = Callable[..., subprocess.CompletedProcess[str]]


def run_inbox(
    home: Path, *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[Any]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    # no config file but the test's own (a developer's ~/.config/inbox stays out of it)
    config = str(home.parent / "config")
    full_env.update({"INBOX_HOME": str(home), "NO_COLOR": "1", "XDG_CONFIG_HOME": config})
    full_env.update(env or {})
    binary = isinstance(stdin, bytes)
    return subprocess.run(
        INBOX + list(args),
        input=stdin,
        capture_output=True,
        env=full_env,
        text=not binary,
        cwd=ROOT,
        timeout=120,
    )


def run_on_terminal(home: Path, *args: str, editor: str) -> subprocess.CompletedProcess[bytes]:
    """An `inbox` command with stdin and stderr on a pseudo-terminal (a person at it) and
    ``editor`` as $EDITOR; stdout stays a pipe."""
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "VISUAL")}
    env.update({"INBOX_HOME": str(home), "EDITOR": editor})
    primary, secondary = pty.openpty()
    try:
        return subprocess.run(
            INBOX + list(args),
            env=env,
            cwd=ROOT,
            stdin=secondary,
            stderr=secondary,
            stdout=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(secondary)
        os.close(primary)


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
