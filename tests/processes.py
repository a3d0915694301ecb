"""Ending the processes tests start: a signal, a grace period, then SIGKILL."""

from __future__ import annotations

import contextlib
import signal
import subprocess
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
