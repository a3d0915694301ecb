"""Every command, and every verb of a command, documents itself with an example (as
sqlite-utils' docs test does), and a verb's --help speaks of that verb alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

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


@pytest.mark.parametrize("words", ["list", "relay token create", "template add"])
def test_help_command_prints_what_help_flag_prints(words: str) -> None:
    done = subprocess.run(
        [*INBOX, "help", *words.split()], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == _help(*words.split()).stdout
    assert f"usage: inbox {words}" in done.stdout


def test_help_of_an_unknown_command_suggests_one() -> None:
    done = subprocess.run([*INBOX, "help", "lsit"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "did you mean 'list'?" in done.stderr
    done = subprocess.run([*INBOX, "help", "xyzzy"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "no command 'xyzzy'" in done.stderr and "did you mean" not in done.stderr


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_is_the_package_version(flag: str) -> None:
    import tomllib

    from inbox_cli import __version__

    done = subprocess.run([*INBOX, flag], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0
    assert done.stdout == f"inbox {__version__}\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert project["dynamic"]["version"] == {"attr": "inbox_cli.__version__"}


@pytest.mark.parametrize(
    ("words", "typo", "meant"),
    [
        ([], "lsit", "list"),
        ([], "shwo", "show"),
        (["template"], "ad", "add"),
        (["list", "--status"], "opne", "open"),
    ],
)
def test_a_mistyped_word_gets_a_suggestion(words: list[str], typo: str, meant: str) -> None:
    done = subprocess.run([*INBOX, *words, typo], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert f"did you mean {meant!r}?" in done.stderr
    assert "Traceback" not in done.stderr


def test_man_page_is_valid_roff_with_every_command_and_flag(tmp_path: Path) -> None:
    done = subprocess.run([*INBOX, "help", "--man"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(".TH INBOX 1")
    page = tmp_path / "inbox.1"
    page.write_text(done.stdout)
    shown = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", str(page)], capture_output=True, text=True
    )
    assert shown.returncode == 0 and shown.stderr == ""  # -ww: every warning
    roff = done.stdout
    for command in COMMANDS:
        escaped = command.replace("-", "\\-")  # roff writes a hyphen so
        assert f"\n.SS inbox {escaped}\n" in roff
    for words, flag in [("list", "--status"), ("relay token create", "--admin")]:
        section = roff.split(f"\n.SS inbox {words}\n", 1)[1].split("\n.SS ", 1)[0]
        assert "\\fB" + flag.replace("-", "\\-") in section
    assert "INBOX_HOME" in roff


def test_man_page_is_found_by_man_where_the_readme_puts_it(tmp_path: Path) -> None:
    """`inbox help --man > ~/.local/share/man/man1/inbox.1`, then `man inbox`."""
    man1 = tmp_path / "share" / "man" / "man1"
    man1.mkdir(parents=True)
    page = subprocess.run([*INBOX, "help", "--man"], capture_output=True, text=True, cwd=ROOT)
    (man1 / "inbox.1").write_text(page.stdout)
    done = subprocess.run(
        ["man", "-M", str(tmp_path / "share" / "man"), "inbox"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MANPAGER": "cat", "MANWIDTH": "100"},
    )
    assert done.returncode == 0, done.stderr
    assert "inbox list" in done.stdout and "--limit" in done.stdout
