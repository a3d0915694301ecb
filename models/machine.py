"""What this machine gives a model: the cores this process may run on."""

from __future__ import annotations

import os


def threads() -> int:
    """Cores this process may use (a container's or taskset's limit, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
