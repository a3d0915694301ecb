"""`inbox demo` runs started by a test, and the end of what they leave running."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox


def alive(pid: int) -> bool:
    """Running, not merely a zombie nobody has reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def pids(where: Path) -> dict[str, int]:
    path = where / "demo.pids"
    return json.loads(path.read_text()) if path.exists() else {}


def relay_port(stderr: str) -> int:
    """The port of the relay `inbox demo` says it started."""
    match = re.search(r"a relay on http://127\.0\.0\.1:(\d+)", stderr)
    assert match, stderr
    return int(match.group(1))


class Demos:
    """Demo directories a test starts demos in; `stop_all` ends what runs there, by
    `inbox demo stop` and, should that fail, by SIGKILL to the recorded pids."""

    def __init__(self) -> None:
        self.dirs: list[Path] = []

    def start(self, where: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
        self.dirs.append(where)
        # INBOX_HOME points elsewhere on purpose: the demo must not care.
        home = where.parent / "not-the-demo"
        return run_inbox(home, "demo", "--dir", str(where), *extra, env=env)

    def stop_all(self) -> None:
        for where in self.dirs:
            left = pids(where)
            run_inbox(where, "demo", "stop", "--dir", str(where))
            for pid in left.values():
                if alive(pid) and str(where.resolve()) in _cmdline(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def started_in_background(line: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """A long-running README line (`relay serve`, `sync --watch &`), its output in a file."""
    said = shlex.split(line, comments=True)
    command = shlex.join(said[:-1] if said[-1:] == ["&"] else said)
    name = re.sub(r"\W+", "-", command)[:40]
    with open(cwd / f"{name}.log", "ab") as log:
        return subprocess.Popen(
            ["bash", "-c", command],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def end(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group of a line started in the background, SIGKILL if need be."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue
