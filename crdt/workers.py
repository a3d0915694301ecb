"""Worker processes that build documents beside the one that reads mail or the relay.

Each worker opens a connection of its own to the replica (one inherited across fork
must not be used). Workers start by fork: no re-import, so they are ready in a few
milliseconds. The parent and its workers share the store's ``gate`` (a lock taken
around every write transaction), so whoever waits for the write lock sleeps on it
and is woken in turn, instead of polling in SQLite's busy handler. Commits in the
pool never checkpoint the write-ahead log, which would hold the gate for tens of
milliseconds: the parent, which mostly waits, checkpoints (``Store.checkpoint``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from crdt.replica import Replica

T = TypeVar("T")
CACHE_MB = 64  # page cache of each worker's connection

_replica: Replica | None = None


@contextmanager
def pool(replica: Replica, size: int = 2) -> Iterator[Any]:
    """A pool of ``size`` workers on ``replica``; left by terminating them (every caller
    has collected the results it waits for by then)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    gate = context.Lock()
    workers = context.Pool(size, _open, (replica.store.path, replica.agent, gate))
    replica.store.gate = gate
    pages = replica.store.wal_pages(0)
    try:
        yield workers
    finally:
        replica.store.gate = None  # first: a worker stopped holding the gate leaves it taken
        workers.terminate()
        workers.join()
        replica.store.wal_pages(pages)
        replica.store.checkpoint()


def _open(path: Any, agent: str, gate: Any) -> None:
    from crdt.store import Store

    global _replica
    _replica = Replica(Store.open(path), agent)
    _replica.store.for_bulk(CACHE_MB, wal_mb=0)
    _replica.store.gate = gate


def run(work: Callable[[Replica, T], int], job: T) -> int:
    """In a worker: ``work(its replica, job)``."""
    assert _replica is not None, "not in a worker process"
    return work(_replica, job)
