"""Processes that outlive the command that starts them, and their ending.

A background process runs detached: in a session of its own (a terminal's Ctrl-C or
hang-up does not reach it), stdin from /dev/null and its output into a log file, so
the command that starts it returns at once and nothing waits on its pipes. What was
started is recorded as ``name -> pid`` in a JSON file. A recorded pid is signalled
only while /proc shows it still runs one of our command lines (it names ``inbox``
and a given directory): a pid can be reused by an unrelated program once ours is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

GRACE = 5.0  # seconds between SIGTERM and SIGKILL
GONE_WAIT = 2.0  # seconds to wait for a SIGKILLed process to disappear
STEP = 0.05


def spawn(argv: list[str], log: Path, cwd: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` detached, its stdout and stderr appended to ``log``."""
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def is_ours(pid: int, marks: Iterable[str]) -> bool:
    """Whether ``pid`` runs a command line holding every one of ``marks``. A process that
    has exited (a zombie has an empty command line) or cannot be read is not."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    line = raw.replace(b"\0", b" ").decode(errors="replace")
    return bool(raw) and all(mark in line for mark in marks)


def stop(pids: Mapping[str, int], marks: Iterable[str], grace: float = GRACE) -> list[str]:
    """End the recorded processes that are still ours: SIGTERM, and SIGKILL for those left
    after ``grace`` seconds. Returns the names of those that were running."""
    marks = tuple(marks)
    running = {name: pid for name, pid in pids.items() if is_ours(pid, marks)}
    _signal(running.values(), signal.SIGTERM)
    left = _wait_gone(running.values(), marks, grace)
    if left:
        _signal(left, signal.SIGKILL)
        _wait_gone(left, marks, GONE_WAIT)
    return list(running)


def record(path: Path, pids: Mapping[str, int]) -> None:
    """Write the pid file whole (a temporary file, then a rename): never half a record."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(pids), indent=1) + "\n")
    tmp.replace(path)


def recorded(path: Path) -> dict[str, int]:
    """The pid file's entries; a missing or damaged file records nothing."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if type(v) is int and v > 0}


def _signal(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _wait_gone(pids: Iterable[int], marks: tuple[str, ...], timeout: float) -> list[int]:
    """Wait until none of ``pids`` runs our command line any more; returns those that do."""
    deadline = time.monotonic() + timeout
    left = list(pids)
    while True:
        left = [pid for pid in left if is_ours(pid, marks)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(STEP)
