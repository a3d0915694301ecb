"""`inbox demo`: a workspace of its own, recreated on each run, that never touches
anything else; what it prints to try works."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import INBOX, ROOT, Run, as_json, run_inbox
from tests.test_readme import run_lines, words

MARIA = "Double charge on my November invoice"


def demo(where: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    # INBOX_HOME points elsewhere on purpose: the demo must not care.
    return run_inbox(where.parent / "not-the-demo", "demo", "--dir", str(where), *extra, env=env)


def listed(where: Path, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_json(run_inbox(where, "list", "--json", *args))
    return rows


def tried(stderr: str) -> list[str]:
    """The `inbox ...` lines the demo prints to try."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.startswith("  ")]
    return [ln for ln in lines if words(ln)[:1] == ["inbox"]]


def test_demo_creates_a_workspace_and_says_how_to_use_it(tmp_path: Path) -> None:
    where = tmp_path / "demo"
    done = demo(where)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # all it says is for people: stderr
    assert f"export INBOX_HOME={where}" in done.stderr
    assert "inbox list" in done.stderr
    assert not (tmp_path / "not-the-demo").exists()
    rows = listed(where)
    maria = [r for r in rows if r["subject"] == MARIA]
    assert len(maria) == 1
    assert maria[0]["customer"] == "maria@example.com"
    assert len(rows) > 3
    # the conversation it suggests trying is Maria's, by a prefix that resolves
    assert f"inbox show {maria[0]['id'][:4]}" in done.stderr


def test_demo_again_recreates_it_with_the_same_ids(tmp_path: Path) -> None:
    where = tmp_path / "demo"
    assert demo(where).returncode == 0
    before = listed(where, "--status", "all")
    some = before[0]["id"]
    assert run_inbox(where, "tag", some, "--add", "scribbled").returncode == 0
    (where / "leftover.txt").write_text("made while trying things\n")
    again = demo(where)
    assert again.returncode == 0, again.stderr
    after = listed(where, "--status", "all")
    assert {r["id"] for r in after} == {r["id"] for r in before}
    assert "scribbled" not in as_json(run_inbox(where, "show", some, "--json"))["tags"]
    assert not (where / "leftover.txt").exists()  # recreated, not patched


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path: Path) -> None:
    where = tmp_path / "work"
    where.mkdir()
    (where / "notes.txt").write_text("mine\n")
    (where / "sub").mkdir()
    done = demo(where)
    assert done.returncode == 1
    assert str(where) in done.stderr
    assert "not a demo directory" in done.stderr
    assert sorted(p.name for p in where.iterdir()) == ["notes.txt", "sub"]
    assert (where / "notes.txt").read_text() == "mine\n"


def test_demo_refuses_a_real_replica(home: Path) -> None:
    before = (home / "replica.db").read_bytes()
    done = run_inbox(home, "demo", "--dir", str(home))
    assert done.returncode == 1
    assert (home / "replica.db").read_bytes() == before


def test_demo_may_go_into_an_empty_directory(tmp_path: Path) -> None:
    where = tmp_path / "empty"
    where.mkdir()
    done = demo(where)
    assert done.returncode == 0, done.stderr
    assert any(r["subject"] == MARIA for r in listed(where))


def test_demo_through_a_link_or_a_relative_path(tmp_path: Path) -> None:
    real = tmp_path / "real"
    assert demo(real).returncode == 0
    link = tmp_path / "link"
    link.symlink_to(real)
    again = demo(link)  # a demo reached through a link is recreated in place
    assert again.returncode == 0, again.stderr
    assert link.is_symlink() and any(r["subject"] == MARIA for r in listed(real))
    # a relative --dir is printed as an absolute path, usable from anywhere
    done = subprocess.run(
        [*INBOX, "demo", "--dir", "rel"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"export INBOX_HOME={tmp_path / 'rel'}\n" in done.stderr
    assert (tmp_path / "rel" / "replica.db").is_file()


def test_demo_default_dir_leaves_the_real_workspace_alone(
    run: Run, home: Path, conversations: list[str], tmp_path: Path
) -> None:
    before = (home / "replica.db").read_bytes()
    done = run("demo", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "xdg" / "inbox-demo" / "replica.db").is_file()
    assert (home / "replica.db").read_bytes() == before
    assert {r["id"] for r in as_json(run("list", "--json"))} == set(conversations)


def test_demo_stop_exits_0(tmp_path: Path) -> None:
    done = demo(tmp_path / "demo", "stop")
    assert done.returncode == 0, done.stderr


def test_what_the_demo_prints_to_try_works(tmp_path: Path) -> None:
    where = tmp_path / "demo"
    done = demo(where)
    assert done.returncode == 0, done.stderr
    lines = tried(done.stderr)
    assert len(lines) >= 5
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert run_lines(lines, where, scratch) == len(lines)
    # the import it suggests adds nothing to the demo
    (source,) = [words(ln)[2] for ln in lines if words(ln)[:2] == ["inbox", "import"]]
    report = as_json(run_inbox(where, "import", source, "--json"))
    assert report["imported"] == 0 and report["duplicates"] > 0
