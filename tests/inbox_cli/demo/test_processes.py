"""Background processes: detached from the starting command, recorded, and ended only
while they are still ours."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_cli.demo import processes
from tests.relay.relays import wait_for

SLEEPER = "import signal, sys, time\n{setup}\nprint('ready', flush=True)\ntime.sleep(60)\n"
IGNORES_TERM = "signal.signal(signal.SIGTERM, signal.SIG_IGN)"


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def sleeper(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]], setup: str = ""
) -> subprocess.Popen[bytes]:
    """A process whose command line names inbox and ``tmp_path``, ready to be signalled."""
    log = tmp_path / f"sleeper-{len(procs)}.log"
    code = SLEEPER.format(setup=setup)
    argv = [sys.executable, "-c", code, "inbox", str(tmp_path / "relay.db")]
    proc = processes.spawn(argv, log, tmp_path, os.environ)
    procs.append(proc)
    assert wait_for(lambda: "ready" in log.read_text()), log.read_text()
    return proc


def marks(where: Path) -> tuple[str, ...]:
    return ("inbox", f"{where}{os.sep}")


def test_a_spawned_process_runs_detached_with_its_output_in_the_log(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    proc = sleeper(tmp_path, started)
    assert os.getsid(proc.pid) == proc.pid  # a session of its own: no terminal reaches it
    assert os.readlink(f"/proc/{proc.pid}/fd/0") == os.devnull
    assert (tmp_path / "sleeper-0.log").read_text() == "ready\n"


def test_stop_ends_our_processes_and_names_them(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    proc = sleeper(tmp_path, started)
    assert processes.is_ours(proc.pid, marks(tmp_path))
    assert processes.stop({"relay": proc.pid}, marks(tmp_path)) == ["relay"]
    assert proc.wait(5) != 0
    assert processes.stop({"relay": proc.pid}, marks(tmp_path)) == []


def test_stop_kills_what_ignores_sigterm_after_the_grace(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    proc = sleeper(tmp_path, started, IGNORES_TERM)
    assert processes.stop({"stubborn": proc.pid}, marks(tmp_path), grace=0.3) == ["stubborn"]
    assert proc.wait(5) == -9


def test_stop_leaves_a_process_that_is_not_ours_alone(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    proc = sleeper(tmp_path, started)
    elsewhere = tmp_path.parent / (tmp_path.name + "-other")  # a prefix of ours is not ours
    assert not processes.is_ours(proc.pid, marks(elsewhere))
    assert processes.stop({"relay": proc.pid}, marks(elsewhere)) == []
    assert proc.poll() is None


def test_the_pid_file_is_written_whole_and_a_bad_one_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "demo.pids"
    assert processes.recorded(path) == {}
    processes.record(path, {"relay": 123, "dana's watcher": 456})
    assert processes.recorded(path) == {"relay": 123, "dana's watcher": 456}
    assert [p.name for p in tmp_path.iterdir()] == ["demo.pids"]
    for text in ("{not json", "[1, 2]", '{"relay": true, "a": -4, "b": "7"}'):
        path.write_text(text)
        assert processes.recorded(path) == {}
