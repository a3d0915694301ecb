"""Many `inbox` processes on one replica: none fails, nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import INBOX, ROOT, Run, as_json


def _spawn(home: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INBOX_HOME": str(home)}
    env.pop("INBOX_AGENT", None)
    return subprocess.Popen(
        INBOX + list(args), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_twenty_parallel_tag_processes_all_land(
    home: Path, run: Run, conversations: list[str]
) -> None:
    ident = conversations[0]
    procs = [_spawn(home, "tag", ident, "--add", f"t{n}") for n in range(20)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    tags = as_json(run("show", ident, "--json"))["tags"]
    assert sorted(tags) == sorted(f"t{n}" for n in range(20))


def test_sigkill_mid_write_loses_nothing_acknowledged(
    home: Path, run: Run, conversations: list[str]
) -> None:
    rng = random.Random(4)
    acknowledged: list[tuple[str, str]] = []
    for n in range(24):
        ident = conversations[n % len(conversations)]
        victim = _spawn(home, "tag", conversations[(n + 1) % 3], "--add", f"doomed{n}")
        keeper = _spawn(home, "tag", ident, "--add", f"kept{n}")
        time.sleep(rng.uniform(0.0, 0.25))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        keeper.communicate(timeout=120)
        if keeper.returncode == 0:
            acknowledged.append((ident, f"kept{n}"))
    assert len(acknowledged) == 24
    conn = sqlite3.connect(home / "replica.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    for ident, tag in acknowledged:
        assert tag in as_json(run("show", ident, "--json"))["tags"]
    before = as_json(run("list", "--json", "--status", "all"))
    assert run("reindex").returncode == 0
    assert as_json(run("list", "--json", "--status", "all")) == before
