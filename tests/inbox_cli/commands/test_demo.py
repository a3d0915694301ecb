"""`inbox demo`: a workspace of its own, recreated on each run, that never touches
anything else, with a relay and a watcher per replica running beside it until
`inbox demo stop`; what it prints to try works."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import INBOX, ROOT, Run, as_json, run_inbox
from tests.demos import Demos, alive, pids, relay_port
from tests.relay.relays import wait_for
from tests.test_readme import run_lines, words

MARIA = "Double charge on my November invoice"
BEN = "ben@acme.example.com"


@pytest.fixture
def demos() -> Iterator[Demos]:
    started = Demos()
    yield started
    started.stop_all()


def listed(where: Path, *args: str) -> list[dict[str, Any]]:
    """Conversations in the demo's own replica (dana's)."""
    rows: list[dict[str, Any]] = as_json(run_inbox(where / "dana", "list", "--json", *args))
    return rows


def tried(stderr: str) -> list[str]:
    """The `inbox ...` lines the demo prints to try."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.startswith("  ")]
    return [ln for ln in lines if words(ln)[:1] == ["inbox"]]


def test_demo_creates_a_workspace_and_says_how_to_use_it(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "demo"
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # all it says is for people: stderr
    assert f"export INBOX_HOME={where / 'dana'}\n" in done.stderr
    assert "inbox list" in done.stderr
    assert not (tmp_path / "not-the-demo").exists()
    rows = listed(where)
    maria = [r for r in rows if r["subject"] == MARIA]
    assert len(maria) == 1
    assert maria[0]["customer"] == "maria@example.com"
    assert len(rows) > 3
    # the conversation it suggests trying is Maria's, by a prefix that resolves
    assert f"inbox show {maria[0]['id'][:4]}" in done.stderr


def test_demo_again_recreates_it_with_the_same_ids(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "demo"
    assert demos.start(where).returncode == 0
    before = listed(where, "--status", "all")
    some = before[0]["id"]
    assert run_inbox(where / "dana", "tag", some, "--add", "scribbled").returncode == 0
    (where / "leftover.txt").write_text("made while trying things\n")
    again = demos.start(where)
    assert again.returncode == 0, again.stderr
    after = listed(where, "--status", "all")
    assert {r["id"] for r in after} == {r["id"] for r in before}
    shown = as_json(run_inbox(where / "dana", "show", some, "--json"))
    assert "scribbled" not in shown["tags"]
    assert not (where / "leftover.txt").exists()  # recreated, not patched


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "work"
    where.mkdir()
    (where / "notes.txt").write_text("mine\n")
    (where / "sub").mkdir()
    done = demos.start(where)
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


def test_demo_may_go_into_an_empty_directory(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "empty"
    where.mkdir()
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    assert any(r["subject"] == MARIA for r in listed(where))


def test_demo_through_a_link_or_a_relative_path(tmp_path: Path, demos: Demos) -> None:
    real = tmp_path / "real"
    assert demos.start(real).returncode == 0
    first = pids(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    again = demos.start(link)  # a demo reached through a link is recreated in place
    assert again.returncode == 0, again.stderr
    assert link.is_symlink() and any(r["subject"] == MARIA for r in listed(real))
    assert not any(alive(pid) for pid in first.values())  # the run through the link ended them
    # a relative --dir is printed as an absolute path, usable from anywhere
    demos.dirs.append(tmp_path / "rel")
    done = subprocess.run(
        [*INBOX, "demo", "--dir", "rel"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"export INBOX_HOME={tmp_path / 'rel' / 'dana'}\n" in done.stderr
    assert (tmp_path / "rel" / "dana" / "replica.db").is_file()


def test_demo_default_dir_leaves_the_real_workspace_alone(
    run: Run, home: Path, conversations: list[str], tmp_path: Path, demos: Demos
) -> None:
    before = (home / "replica.db").read_bytes()
    demos.dirs.append(tmp_path / "xdg" / "inbox-demo")
    done = run("demo", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "xdg" / "inbox-demo" / "dana" / "replica.db").is_file()
    assert (home / "replica.db").read_bytes() == before
    assert {r["id"] for r in as_json(run("list", "--json"))} == set(conversations)


def test_demo_stop_with_nothing_started_exits_0(tmp_path: Path, demos: Demos) -> None:
    done = demos.start(tmp_path / "demo", "stop")
    assert done.returncode == 0, done.stderr
    assert "nothing of the demo is running" in done.stderr
    assert not (tmp_path / "demo").exists()


def test_what_the_demo_prints_to_try_works(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "demo"
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    lines = tried(done.stderr)
    assert len(lines) >= 5
    running = pids(where)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert lines[-1] == f"inbox demo stop --dir {where}"  # last, and it ends the demo
    assert run_lines(lines, where / "dana", scratch) == len(lines)
    assert not any(alive(pid) for pid in running.values())
    # the import it suggests adds nothing to the demo
    (source,) = [words(ln)[2] for ln in lines if words(ln)[:2] == ["inbox", "import"]]
    report = as_json(run_inbox(where / "dana", "import", source, "--json"))
    assert report["imported"] == 0 and report["duplicates"] > 0


def test_demo_returns_leaving_a_relay_and_two_watchers_that_stop_ends(
    tmp_path: Path, demos: Demos
) -> None:
    where = tmp_path / "demo"
    began = time.monotonic()
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - began < 30  # it returns; what it started keeps running
    running = pids(where)
    assert sorted(running) == ["ben's watcher", "dana's watcher", "relay"]
    assert all(alive(pid) for pid in running.values())
    socket.create_connection(("127.0.0.1", relay_port(done.stderr)), timeout=2).close()
    stopped = demos.start(where, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert "relay" in stopped.stderr
    assert not any(alive(pid) for pid in running.values())
    again = demos.start(where, "stop")
    assert again.returncode == 0, again.stderr
    assert "nothing of the demo is running" in again.stderr


def test_a_change_on_bens_replica_reaches_danas_and_ben_is_online(
    tmp_path: Path, demos: Demos
) -> None:
    where = tmp_path / "demo"
    assert demos.start(where).returncode == 0
    ident = next(r["id"] for r in listed(where) if r["subject"] == MARIA)
    assert run_inbox(where / "ben", "tag", ident, "--add", "from-ben").returncode == 0
    seen = wait_for(lambda: listed(where, "--tag", "from-ben"))
    assert [r["id"] for r in seen] == [ident]
    who = as_json(run_inbox(where / "dana", "who", "--json"))
    assert [w["agent"] for w in who] == [BEN]


def test_demo_again_ends_the_previous_run_first(tmp_path: Path, demos: Demos) -> None:
    where = tmp_path / "demo"
    assert demos.start(where).returncode == 0
    first = pids(where)
    assert demos.start(where).returncode == 0
    second = pids(where)
    assert not any(alive(pid) for pid in first.values())
    assert all(alive(pid) for pid in second.values())
    assert not set(first.values()) & set(second.values())


def test_demo_stop_leaves_a_recorded_pid_that_is_not_ours_alone(
    tmp_path: Path, demos: Demos
) -> None:
    where = tmp_path / "demo"
    assert demos.start(where).returncode == 0
    assert demos.start(where, "stop").returncode == 0
    stranger = subprocess.Popen(["sleep", "60"])  # as if it had reused a recorded pid
    try:
        (where / "demo.pids").write_text(f'{{"relay": {stranger.pid}, "dana\'s watcher": 1}}')
        done = demos.start(where, "stop")
        assert done.returncode == 0, done.stderr
        assert "nothing of the demo is running" in done.stderr
        assert stranger.poll() is None
        assert not (where / "demo.pids").exists()  # a stale record is cleared
    finally:
        stranger.kill()
        stranger.wait()


def test_demo_status_says_whether_it_runs_where_and_which_pids(
    tmp_path: Path, demos: Demos
) -> None:
    where = tmp_path / "demo"
    before = demos.start(where, "status", "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["running"] is False
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    status = demos.start(where, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["running"] is True and report["dir"] == str(where)
    assert report["url"].endswith(f":{relay_port(done.stderr)}")
    assert {p["name"]: p["pid"] for p in report["processes"]} == pids(where)
    piped = demos.start(where, "status")
    assert sorted(line.split("\t")[0] for line in piped.stdout.splitlines()) == sorted(pids(where))
    assert "is running" in piped.stderr
    assert demos.start(where, "stop").returncode == 0
    after = demos.start(where, "status")
    assert after.returncode == 0 and after.stdout == ""
    assert "not running" in after.stderr


def test_demo_serves_a_page_to_chat_from_and_dana_answers_it(tmp_path: Path, demos: Demos) -> None:
    """The page it names is served by its relay, whose origin may embed the widget: a
    visitor there reaches dana's replica (kept in step by its watcher), and her reply
    reaches the visitor."""
    import re
    import urllib.request

    from tests.relay.chat.visitors import Visitor

    where = tmp_path / "demo"
    done = demos.start(where)
    assert done.returncode == 0, done.stderr
    found = re.search(r"open (http://127\.0\.0\.1:(\d+)/widget-demo\.html)", done.stderr)
    assert found, done.stderr
    with urllib.request.urlopen(found.group(1), timeout=10) as answer:
        page = answer.read().decode()
    assert '<script src="/widget.js" data-workspace="acme" defer></script>' in page

    class DemoRelay:  # what Visitor needs of a relay
        port = int(found.group(2))

    visitor = Visitor(DemoRelay(), origin=f"http://127.0.0.1:{DemoRelay.port}", workspace="acme")  # type: ignore[arg-type]
    visitor.say("is anyone there? my card was declined")

    def the_chat() -> str | None:
        rows = listed(where, "--channel", "chat")
        new = [r for r in rows if r["subject"] == "is anyone there? my card was declined"]
        return str(new[0]["id"]) if new else None

    ident = wait_for(the_chat, timeout=15)
    assert ident, "the visitor's chat did not reach dana's replica"
    assert run_inbox(where / "dana", "reply", ident, "-m", "Hi, I'm on it").returncode == 0
    answer = visitor.next(timeout=15)["message"]
    assert (answer["author"], answer["body"]) == ("agent", "Hi, I'm on it")
    visitor.close()
