"""The processes tests start: waiting until one listens, and ending it (a signal, a grace
period, then SIGKILL)."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from typing import Any


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, grace: float = 10.0) -> int:
    """``sig`` to ``proc`` unless it has exited, SIGKILL if it is still there after
    ``grace`` seconds; its exit code."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def listening(proc: subprocess.Popen[Any], port: int, seconds: float) -> bool:
    """Whether loopback ``port`` accepts a connection within ``seconds``; ``False`` as soon
    as ``proc`` has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
