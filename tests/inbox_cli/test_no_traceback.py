"""No traceback reaches a user: every command, run as people run it when something
around it is broken (an editor that is not there, a home that cannot be read, a replica
file that cannot be written), ends in one clear line and a documented exit code."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_cli.main import COMMANDS
from tests.conftest import DATA, run_inbox, run_on_terminal, run_without_root_powers

DOCUMENTED = {0, 1, 2, 3, 4, 5}  # the contract's exit codes (130 is Ctrl-C)
# `demo` is left out: it makes a workspace of its own and never reads the one given
LEFT_OUT = {"demo"}
NO_REPLICA = {"completion", "config", "help"}  # print a script, the config file, help
# from the mailbox `mailbox add` made just before it in every_command
COMPOSE = ("--from", "help@acme.example.com", "--to", "maria@example.com", "--subject", "Hi")


def every_command(home: Path, ident: str) -> dict[str, list[str]]:
    """One ordinary use of each command (a verb for those that have them); ``note``,
    ``reply``, ``compose`` (from the mailbox added just before) and ``template add``
    without a body, so that a terminal gets the editor."""
    token = home.parent / "ben.token"
    return {
        "agent": ["agent", "add", "ben@acme.example.com"],
        "assign": ["assign", ident, "--to", "dana@acme.example.com"],
        "attachment": ["attachment", "get", ident, "1"],
        "claim": ["claim", ident],
        "close": ["close", ident],
        "completion": ["completion", "bash"],
        "config": ["config", "list"],
        "customer": ["customer", "maria@example.com"],
        "import": ["import", str(DATA / "threading-dev" / "001.eml")],
        "help": ["help", "show"],
        "init": ["init", "--agent", "dana@acme.example.com"],
        "join": ["join", "http://127.0.0.1:9", "--token-file", str(token)],
        "list": ["list"],
        "macro": ["macro", "list"],
        "mailbox": ["mailbox", "add", "help@acme.example.com"],
        "compose": ["compose", *COMPOSE],
        "mentions": ["mentions"],
        "merge": ["merge", "--into", ident, ident],
        "note": ["note", ident],
        "priority": ["priority", "high", ident],
        "ticket": ["ticket", ident, "--type", "incident", "--field", "order=A-1001"],
        "ticket-type": ["ticket-type", "add", "bug-report", "--description", "a defect"],
        "triage": ["triage", ident, "--category", "refund"],
        "model": ["model", "list"],
        "draft": ["draft", ident],
        "summarize": ["summarize", ident],
        "similar": ["similar", ident],
        "reindex": ["reindex"],
        "relay": ["relay", "token", "create", "ben@acme.example.com", "--store", str(home)],
        "chat": ["chat", "origins", "list", "--store", str(home)],
        "notify": ["notify", "list", "--store", str(home)],
        "stats": ["stats", "--since", "30d"],
        "export": ["export", "--format", "csv", "-o", str(home.parent / "export.csv")],
        "watch": ["watch"],
        "reopen": ["reopen", ident],
        "rule": ["rule", "test", "r", ident],
        "team": ["team", "add", "t", "me"],
        "sla": ["sla", "add", "standard", "--first-response", "1h"],
        "reply": ["reply", ident],
        "search": ["search", "charge"],
        "show": ["show", ident],
        "snooze": ["snooze", ident, "--until", "2h"],
        "status": ["status", ident, "pending"],
        "sync": ["sync"],
        "tag": ["tag", ident, "--add", "x"],
        "template": ["template", "add", "thanks"],
        "unassign": ["unassign", ident],
        "unsnooze": ["unsnooze", ident],
        "who": ["who"],
    }


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    from tests.conftest import add_chats, new_home

    home = new_home(tmp_path / "replica")
    chat = {"visitor": "maria@example.com", "name": "Maria", "at": "2026-11-20T10:00:00Z"}
    (ident,) = add_chats(home, [{**chat, "messages": [["in", "a double charge"]]}])
    (tmp_path / "ben.token").write_text("not a token\n")
    yield home, ident
    for path in (home, *home.iterdir()):  # as it was, for the temp dir to be removed
        path.chmod(path.stat().st_mode | stat.S_IRWXU)


def assert_clear(what: str, done: subprocess.CompletedProcess[bytes]) -> None:
    """A documented exit code, no traceback, and a failure told in one line."""
    shown = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "\n", done.stderr.decode(errors="replace"))
    assert "Traceback" not in shown and 'File "' not in shown, (what, shown)
    assert done.returncode in DOCUMENTED, (what, done.returncode, shown)
    if done.returncode:
        errors = [line for line in shown.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, (what, shown)


def test_every_command_is_covered() -> None:
    assert set(every_command(Path("h"), "id")) | LEFT_OUT == set(COMMANDS)


def test_a_broken_editor_on_a_terminal_is_one_line(replica: tuple[Path, str]) -> None:
    home, ident = replica
    for name, argv in every_command(home, ident).items():
        done = run_on_terminal(home, *argv, editor="/nonexistent/editor")
        assert_clear(name, done)
        if name in ("note", "reply", "template"):
            assert done.returncode == 1, (name, done.stderr)
            assert b"/nonexistent/editor" in done.stderr, (name, done.stderr)


def test_an_unreadable_home_is_one_line(replica: tuple[Path, str]) -> None:
    home, ident = replica
    home.chmod(0)
    for name, argv in every_command(home, ident).items():
        done = run_inbox(home, *argv, stdin=b"", prefix=run_without_root_powers())
        assert_clear(name, done)
        if name in NO_REPLICA:  # they never open it: done, whatever the home
            assert done.returncode == 0, (name, done.stderr)
            continue
        assert done.returncode != 0 and b"a bug" not in done.stderr, name
        assert b"Permission denied" in done.stderr or name in ("relay", "chat", "notify"), (
            name,
            done.stderr,
        )


def test_a_read_only_replica_file_is_one_line_and_reads_still_work(
    replica: tuple[Path, str],
) -> None:
    home, ident = replica
    (home / "replica.db").chmod(stat.S_IRUSR | stat.S_IRGRP)
    for name, argv in every_command(home, ident).items():
        done = run_inbox(home, *argv, stdin=b"", prefix=run_without_root_powers())
        assert_clear(name, done)
        assert b"a bug" not in done.stderr, (name, done.stderr)  # each one foreseen
    shown = run_inbox(home, "show", ident, prefix=run_without_root_powers())
    assert shown.returncode == 0 and "a double charge" in shown.stdout, shown.stderr
    assert os.access(home / "replica.db", os.R_OK)
