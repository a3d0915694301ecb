"""The mail gateway (or the notifier) as a child process of `inbox relay serve`, ending
with it.

uvicorn ends the relay on SIGTERM by raising the signal again once it has shut down,
so no ``finally`` of the relay's runs after it: the child is asked by the kernel to end
when its parent does (Linux's ``PR_SET_PDEATHSIG``), whatever ends the relay, SIGKILL
included.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the child, before it runs the gateway (no threads yet in the parent)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the relay's own shutdown ends it
        pass


def start(store_path: Path, relay_url: str, verb: str = "gateway") -> subprocess.Popen[bytes]:
    """`inbox relay VERB --store ... --url ...`: ``gateway`` or ``notifier``."""
    argv = [sys.executable, "-m", "inbox_cli.main", "relay", verb]
    argv += ["--store", str(store_path), "--url", relay_url]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=_end_with_parent)
