"""The config file: `inbox config get|set|list`, defaults that flags and the environment
override, and a bad file refused (exit 2) naming the file and the line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Run, as_json, run_inbox


def _config(home: Path) -> Path:
    """Where run_inbox's XDG_CONFIG_HOME puts the config file."""
    return home.parent / "config" / "inbox" / "config.toml"


def test_set_get_and_list_round_trip_through_a_toml_file(run: Run, home: Path) -> None:
    assert run("config", "set", "list.limit", "2").returncode == 0
    assert run("config", "set", "color", "false").returncode == 0
    assert run("config", "set", "editor", 'my "editor" -w').returncode == 0
    assert run("config", "get", "list.limit").stdout == "2\n"
    assert run("config", "get", "editor").stdout == 'my "editor" -w\n'
    written = tomllib.loads(_config(home).read_text())
    assert written == {"editor": 'my "editor" -w', "color": False, "list": {"limit": 2}}
    assert sorted(p.name for p in _config(home).parent.iterdir()) == ["config.toml"]  # no temp
    listed = as_json(run("config", "list", "--json"))
    assert listed["settings"] == {"editor": 'my "editor" -w', "color": False, "list.limit": 2}
    assert run("config", "list").stdout.splitlines() == [
        'editor\tmy "editor" -w',
        "color\tfalse",
        "list.limit\t2",
    ]


def test_an_unset_key_is_not_found_and_a_bad_value_is_refused(run: Run, home: Path) -> None:
    assert run("config", "get", "pager").returncode == 5
    done = run("config", "set", "list.limit", "lots")
    assert done.returncode == 2 and "list.limit is a number" in done.stderr
    done = run("config", "set", "list.status", "opne")
    assert done.returncode == 2 and "did you mean" not in done.stderr
    assert "list.status must be one of" in done.stderr
    assert not _config(home).exists()


def test_list_defaults_come_from_the_file_and_flags_win(
    run: Run, home: Path, conversations: list[str]
) -> None:
    assert run("close", conversations[0]).returncode == 0
    assert len(as_json(run("list", "--json"))) == 2  # open only
    _config(home).parent.mkdir(parents=True)
    _config(home).write_text('[list]\nstatus = "all"\nlimit = 2\n')
    assert len(as_json(run("list", "--json"))) == 2  # all, but at most 2
    assert len(as_json(run("list", "--json", "--limit", "0"))) == 3
    assert {r["status"] for r in as_json(run("list", "--json", "--status", "closed"))} == {"closed"}


def test_home_from_the_file_and_the_environment_and_flag_win(
    home: Path, tmp_path: Path, conversations: list[str]
) -> None:
    config = tmp_path / "xdg"
    (config / "inbox").mkdir(parents=True)
    (config / "inbox" / "config.toml").write_text(f"home = {json.dumps(str(home))}\n")
    env = {"XDG_CONFIG_HOME": str(config), "INBOX_HOME": ""}
    done = run_inbox(tmp_path / "elsewhere", "list", "--json", env=env)
    assert {r["id"] for r in as_json(done)} == set(conversations)
    other = tmp_path / "other"
    run_inbox(other, "init", "--workspace", "x", "--agent", "x@x.example.com")
    done = run_inbox(other, "list", "--json", env={"XDG_CONFIG_HOME": str(config)})
    assert as_json(done) == []  # $INBOX_HOME wins
    done = run_inbox(tmp_path / "none", "--home", str(other), "list", "--json", env=env)
    assert as_json(done) == []  # --home wins


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('color = true\neditor = "vi"\n[list]\nlimit = = 3\n', 4, "not TOML"),
        ('editor = "vi"\ncolour = false\n', 2, "unknown key 'colour'"),
        ('pager = "less"\n\n[list]\nstatus = "open"\nlimit = "many"\n', 5, "list.limit must be"),
        ('[list]\nstatus = "opne"\n', 2, "list.status must be one of"),
        ("color = 1\n", 1, "color must be true or false"),
    ],
)
def test_a_bad_config_file_is_a_usage_error_naming_file_and_line(
    run: Run, home: Path, conversations: list[str], text: str, line: int, says: str
) -> None:
    _config(home).parent.mkdir(parents=True)
    _config(home).write_text(text)
    done = run("tag", conversations[0], "--add", "x")
    assert done.returncode == 2
    assert f"{_config(home)}: line {line}: " in done.stderr and says in done.stderr
    assert "Traceback" not in done.stderr
    _config(home).unlink()
    assert as_json(run("show", conversations[0], "--json"))["tags"] == []  # nothing ran
