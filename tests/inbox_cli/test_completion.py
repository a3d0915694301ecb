"""Shell completion, for real: bash sources `inbox completion bash` and calls its function
with COMP_WORDS/COMP_CWORD set, as it does at a TAB; the candidates come from the parser
and from the local replica."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import INBOX, ROOT, Run

BIN = Path(sys.executable).parent  # where the `inbox` console script is


def _complete(home: Path, line: str) -> list[str]:
    """What bash offers for ``line`` (its last word under the cursor; a trailing space
    means a new, empty word)."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    array = " ".join(shlex.quote(w) for w in words)
    script = (
        "source <(inbox completion bash)\n"
        f"COMP_WORDS=({array}); COMP_CWORD={len(words) - 1}\n"
        '_inbox; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "INBOX_HOME": str(home)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [w for w in done.stdout.splitlines() if w]


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("inbox li", ["list"]),
        ("inbox re", ["reply", "reopen", "reindex", "relay"]),
        ("inbox list --st", ["--status"]),
        ("inbox list --status o", ["open"]),
        ("inbox template a", ["add"]),
        ("inbox relay token c", ["create"]),
        ("inbox relay token create --ad", ["--admin"]),
        ("inbox priority u", ["urgent"]),
        ("inbox --no", ["--no-color", "--no-pager"]),
        ("inbox help relay t", ["token"]),
        ("inbox help sh", ["show"]),
    ],
)
def test_bash_completes_commands_verbs_flags_and_choices(
    home: Path, line: str, offered: list[str]
) -> None:
    assert sorted(_complete(home, line)) == sorted(offered)


def test_bash_completes_ids_tags_and_agents_from_the_replica(
    home: Path, run: Run, conversations: list[str]
) -> None:
    assert run("tag", conversations[0][:8], "--add", "refund").returncode == 0
    first = conversations[0]
    assert first[:8] in _complete(home, f"inbox show {first[:3]}")
    assert sorted(_complete(home, "inbox show ")) == sorted(c[:8] for c in conversations)
    assert _complete(home, "inbox list --tag re") == ["refund"]
    assert _complete(home, f"inbox tag {first[:6]} --remove r") == ["refund"]
    assert _complete(home, "inbox assign 70af --to b") == ["ben"]
    assert sorted(_complete(home, "inbox list --assignee ")) == ["ali", "ben", "dana", "me", "none"]
    assert set(_complete(home, f"inbox status {first[:6]} c")) == {"closed"}


def test_bash_completes_the_workspaces_mailboxes_and_offers_no_agents_as_recipients(
    home: Path, run: Run
) -> None:
    for address in ("support@acme.example.com", "billing@acme.example.com"):
        assert run("mailbox", "add", address).returncode == 0
    assert _complete(home, "inbox compose --from s") == ["support@acme.example.com"]
    assert sorted(_complete(home, "inbox list --mailbox ")) == [
        "billing@acme.example.com",
        "support@acme.example.com",
    ]
    assert _complete(home, "inbox compose --to b") == []  # a customer, not an agent


def test_bash_completes_paths_where_a_path_goes(home: Path) -> None:
    assert _complete(home, "inbox import examples/mail/sup") == ["examples/mail/support.mbox"]
    assert _complete(home, "inbox --home exam") == ["examples"]


def test_no_replica_offers_no_ids_and_no_error(tmp_path: Path) -> None:
    assert _complete(tmp_path / "none", "inbox show ") == []
    assert _complete(tmp_path / "none", "inbox li") == ["list"]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o"), ("zsh", "#compdef inbox"), ("fish", "complete -c inbox")],
)
def test_completion_prints_each_shells_script(shell: str, marker: str) -> None:
    done = subprocess.run([*INBOX, "completion", shell], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
    assert f"inbox __complete {shell}" in done.stdout
    if shell == "bash":
        assert subprocess.run(["bash", "-n"], input=done.stdout, text=True).returncode == 0


def test_the_completion_entry_point_is_hidden_from_help() -> None:
    done = subprocess.run([*INBOX, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert "completion" in done.stdout and "__complete" not in done.stdout
