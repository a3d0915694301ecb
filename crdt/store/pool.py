"""Worker processes that build documents beside the one that reads mail or the relay.

Each worker opens a connection of its own to the replica file (one inherited across
fork must not be used). Workers start by fork: no re-import, so they are ready in a
few milliseconds. The parent and its workers share the store's ``gate`` (a lock taken
around every write transaction), so whoever waits for the write lock sleeps on it
and is woken in turn, instead of polling in SQLite's busy handler. Commits in the
pool never checkpoint the write-ahead log, which would hold the gate for tens of
milliseconds: the parent, which mostly waits, checkpoints (``Store.checkpoint``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from crdt.store.documents import Store

T = TypeVar("T")
CACHE_MB = 64  # page cache of each worker's connection

_store: Store | None = None


@contextmanager
def workers(store: Store, size: int = 2) -> Iterator[Any]:
    """A pool of ``size`` workers on ``store``'s file; left by terminating them (every
    caller has collected the results it waits for by then)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    gate = context.Lock()
    pool = context.Pool(size, _open, (store.path, gate))
    store.gate = gate
    pages = store.wal_pages(0)
    try:
        yield pool
    finally:
        store.gate = None  # first: a worker stopped holding the gate leaves it taken
        pool.terminate()
        pool.join()
        store.wal_pages(pages)
        store.checkpoint()


def _open(path: Path, gate: Any) -> None:
    global _store
    _store = Store.open(path)
    _store.for_bulk(CACHE_MB, wal_mb=0)
    _store.gate = gate


def run(work: Callable[[Store, T], int], job: T) -> int:
    """In a worker: ``work(its store, job)``."""
    assert _store is not None, "not in a worker process"
    return work(_store, job)
