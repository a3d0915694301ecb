"""Imports killed at random moments, and imports under load beside other commands: the
next command finishes what was in flight, and every listed conversation shows and tags.

The mail is a generated support mailbox in reverse order, so that most replies come
before what they answer and are folded into it, within a batch and across batches.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from benchmarks.generate import generate
from tests.conftest import INBOX, ROOT, as_json, run_inbox
from tests.inbox_cli.commands.test_import import write_mbox
from tests.inbox_cli.commands.test_import_order import listed, replica


@pytest.fixture(scope="module")
def backwards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 conversations of 4 messages, newest first (two of the import's batches)."""
    import mailbox

    where = tmp_path_factory.mktemp("mail")
    generate(where / "forward.mbox", 200, 4, 5)
    box = mailbox.mbox(str(where / "forward.mbox"))
    try:
        entries = [m.as_bytes() for m in box]
    finally:
        box.close()
    return write_mbox(where / "backwards.mbox", reversed(entries))


class Clean(NamedTuple):
    groups: set[frozenset[str]]  # the conversations of an import nothing interrupted
    seconds: float  # how long it took, to spread kills over its phases


@pytest.fixture(scope="module")
def clean(backwards: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    home = replica(tmp_path_factory.mktemp("clean"))
    began = time.monotonic()
    as_json(run_inbox(home, "import", str(backwards), "--json"))
    return Clean(grouping(home), time.monotonic() - began)


def spawn(home: Path, *args: str) -> subprocess.Popen[bytes]:
    """An `inbox` process in a session of its own, so that a kill takes its workers too."""
    env = {**os.environ, "INBOX_HOME": str(home), "NO_COLOR": "1"}
    env.pop("INBOX_AGENT", None)
    return subprocess.Popen(
        INBOX + list(args),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it had finished
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def table(home: Path, sql: str) -> list[Any]:
    conn = sqlite3.connect(home / "replica.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def grouping(home: Path) -> set[frozenset[str]]:
    """Each listed conversation as the Message-IDs it holds (from the look-up rows)."""
    rows = table(
        home,
        "SELECT c.id, m.message_id FROM conversations c JOIN mail_ids m ON m.rid = c.rid "
        "WHERE c.merged_into IS NULL",
    )
    groups: dict[str, set[str]] = {}
    for ident, message_id in rows:
        groups.setdefault(ident, set()).add(message_id)
    return {frozenset(g) for g in groups.values()}


def assert_whole(home: Path, sample: int = 5) -> list[dict[str, Any]]:
    """The invariant: nothing queued or waiting to merge; every row has a view of its own
    id; some of them show through `inbox show`, all take a tag in one `inbox tag`, and
    a reindex lists the same."""
    from crdt.store.index import unpack_view

    assert table(home, "SELECT count(*) FROM import_queue") == [(0,)]
    assert table(home, "SELECT count(*) FROM import_merges") == [(0,)]
    for ident, view in table(home, "SELECT id, view FROM conversations"):
        assert view is not None, ident
        assert unpack_view(view)["id"] == ident
    rows = listed(home)
    for row in random.Random(len(rows)).sample(rows, min(sample, len(rows))):
        assert as_json(run_inbox(home, "show", row["id"], "--json"))["id"] == row["id"]
    done = run_inbox(home, "tag", *(r["id"] for r in rows), "--add", "checked")
    assert done.returncode == 0, done.stderr
    after = listed(home)
    assert all("checked" in r["tags"] for r in after)
    assert run_inbox(home, "reindex").returncode == 0
    assert listed(home) == after
    return after


def next_command(home: Path, then: str, source: Path, rng: random.Random) -> None:
    """The command that follows a killed import; each must work on what it finds."""
    rows = listed(home)
    if then == "import":
        done = run_inbox(home, "import", str(source), "--json")
    elif then == "reindex":
        done = run_inbox(home, "reindex")
    elif then in ("show", "tag") and rows:
        ident = rng.choice(rows)["id"]
        extra = ["--add", "after-kill"] if then == "tag" else ["--json"]
        done = run_inbox(home, then, ident, *extra)
    else:
        return
    assert done.returncode == 0, (then, done.stderr)


@pytest.mark.parametrize("then", ["import", "list", "show", "tag", "reindex"])
def test_an_import_killed_at_random_moments_is_finished_by_the_next_command(
    tmp_path: Path, backwards: Path, clean: Clean, then: str
) -> None:
    """A fresh import killed (SIGKILL, workers and all) somewhere in threading, building or
    merging, and its rerun killed again; then one other command, and a last import."""
    home = replica(tmp_path)
    rng = random.Random(then)
    for _ in range(2):
        proc = spawn(home, "import", str(backwards))
        time.sleep(rng.uniform(0.1, 1.0) * clean.seconds)
        kill(proc)
    next_command(home, then, backwards, rng)
    done = run_inbox(home, "import", str(backwards), "--json")
    assert done.returncode == 0, done.stderr
    assert_whole(home)
    assert grouping(home) == clean.groups
    again = as_json(run_inbox(home, "import", str(backwards), "--json"))
    assert (again["imported"], again["conversations"]) == (0, 0)
    assert again["duplicates"] == again["read"]


def test_an_import_under_load_beside_tags_and_shows_leaves_everything_whole(
    tmp_path: Path, backwards: Path, clean: Clean
) -> None:
    """Both cores kept busy, and `inbox show`/`inbox tag` of whatever is listed run the
    whole time: none of them fails but for an id folded into another meanwhile."""
    home = replica(tmp_path)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    failures: list[str] = []
    stop = threading.Event()

    def poke(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            rows = listed(home)
            if not rows:
                continue
            ident = rng.choice(rows)["id"]
            args = ["tag", ident, "--add", f"t{seed}"] if rng.random() < 0.5 else ["show", ident]
            done = run_inbox(home, *args)
            folded = done.returncode == 5 and "no conversation" in done.stderr
            if done.returncode != 0 and not folded:
                failures.append(f"{args}: {done.returncode} {done.stderr}")

    pokers = [threading.Thread(target=poke, args=(n,)) for n in range(2)]
    try:
        for t in pokers:
            t.start()
        done = run_inbox(home, "import", str(backwards), "--json")
    finally:
        stop.set()
        for t in pokers:
            t.join(timeout=120)
        for b in burners:
            b.kill()
            b.wait()
    assert done.returncode == 0, done.stderr
    assert not failures, failures
    rows = assert_whole(home)
    assert len(rows) == as_json(done)["conversations"]
    assert grouping(home) == clean.groups
