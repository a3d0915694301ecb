"""Every command, and every verb of a command, documents itself with an example (as
sqlite-utils' docs test does), and a verb's --help speaks of that verb alone."""

from __future__ import annotations

import subprocess

import pytest

from inbox_cli.main import COMMANDS
from tests.conftest import INBOX, ROOT

VERBS = {
    "template": ["add", "list", "show", "rm"],
    "macro": ["add", "list", "show", "rm", "run"],
    "agent": ["add", "list"],
    "mailbox": ["add", "list", "rm"],
    "relay": ["serve", "token"],
    "relay token": ["create", "revoke", "list"],
}


def _help(*words: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*INBOX, *words, "--help"], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command: str) -> None:
    done = _help(command)
    assert done.returncode == 0, done.stderr
    assert "Example:" in done.stdout
    assert f"inbox {command}" in done.stdout.split("Example:", 1)[1]


@pytest.mark.parametrize(
    "words", [f"{command} {verb}" for command, verbs in VERBS.items() for verb in verbs]
)
def test_every_verb_has_help_of_its_own_with_an_example(words: str) -> None:
    done = _help(*words.split())
    assert done.returncode == 0, done.stderr
    assert f"usage: inbox {words}" in done.stdout
    assert f"inbox {words}" in done.stdout.split("Example:", 1)[1]


def test_a_verb_lists_only_its_own_flags() -> None:
    """`inbox relay serve --help` says nothing of a token's --admin, and the token's verbs
    nothing of --port."""
    serve, create = _help("relay", "serve").stdout, _help("relay", "token", "create").stdout
    assert "--port" in serve and "--admin" not in serve
    assert "--admin" in create and "--port" not in create


def test_an_unknown_verb_is_a_usage_error() -> None:
    done = subprocess.run(
        [*INBOX, "template", "frobnicate"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_top_level_help_lists_every_command() -> None:
    done = subprocess.run([*INBOX, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0
    for command in COMMANDS:
        assert command in done.stdout
