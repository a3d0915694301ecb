"""Worker processes that build documents beside the one that reads mail or the relay.

Each worker opens a connection of its own to the replica (one inherited across fork
must not be used). Workers start by fork: no re-import, so they are ready in a few
milliseconds. ``first``, when given, is an event the parent sets while it writes:
workers wait before beginning a transaction, since SQLite's busy wait is not fair
and two workers taking turns at the lock can starve the parent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from crdt.replica import Replica

T = TypeVar("T")
CACHE_MB = 64  # page cache of each worker's connection

_replica: Replica | None = None
_first: Any = None


def pool(replica: Replica, size: int = 2, first: Any = None) -> Any:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    return context.Pool(size, _open, (replica.store.path, replica.agent, first))


def event() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork").Event()


def _open(path: Any, agent: str, first: Any) -> None:
    from crdt.store import Store

    global _replica, _first
    _replica = Replica(Store.open(path), agent)
    _replica.store.use_cache(CACHE_MB)
    _first = first


def run(work: Callable[[Replica, T], int], job: T) -> int:
    """In a worker: ``work(its replica, job)``, after the parent's write if it has one."""
    assert _replica is not None, "not in a worker process"
    while _first is not None and _first.is_set():
        time.sleep(0.002)
    return work(_replica, job)
