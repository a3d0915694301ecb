"""Every command documents itself with an example (as sqlite-utils' docs test does)."""

from __future__ import annotations

import subprocess

import pytest

from inbox_cli.main import COMMANDS
from tests.conftest import INBOX, ROOT


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command: str) -> None:
    done = subprocess.run([*INBOX, command, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Example:" in done.stdout
    assert f"inbox {command}" in done.stdout.split("Example:", 1)[1]


def test_top_level_help_lists_every_command() -> None:
    done = subprocess.run([*INBOX, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0
    for command in COMMANDS:
        assert command in done.stdout
