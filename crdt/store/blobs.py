"""Content-addressed files: attachments kept outside the documents, named by their SHA-256.

A blob is written once and never changed, so it needs no locks: a writer streams into a
temporary file in ``tmp/`` (the same file system), hashing as it goes, checks the hash
against the name it was asked for, syncs the file to disk, and renames it to
``ab/cdef...``. A reader sees a whole blob or none; a writer killed at any point leaves a
temporary file at most (``sweep`` removes old ones); two writers of one blob write the
same bytes, and the second rename replaces a file by its equal. The replica keeps its
blobs in ``HOME/blobs``, the relay beside its store (relay/store.py), through this class.

``uploads/`` holds an empty file per blob this replica made (an imported attachment, a
file attached to a reply) that the relay has not confirmed yet: ``inbox sync`` sends
them and removes the mark. The mark is made before the blob, so a crash in between
leaves a mark whose blob is not there (skipped), never a blob nobody sends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from crdt.errors import NotFoundError, StoreError, UsageError

MB = 1024 * 1024
DEFAULT_LIMIT = 25 * MB  # a file larger than this is listed, not kept (nor synced)
CHUNK = 256 * 1024  # bytes read or written at a time: flat memory for any size
STALE_TEMP = 24 * 3600.0  # seconds after which a temporary file is a crash's leftover
_HEX = frozenset("0123456789abcdef")


class TooBigError(UsageError):
    """More bytes than the limit: nothing was kept."""

    code = "too_big"

    def __init__(self, limit: int) -> None:
        super().__init__(f"over the {megabytes(limit)} MB limit for attachments: not kept")
        self.limit = limit


class MismatchError(StoreError):
    """The bytes do not hash to the name they were given under: nothing was kept."""

    code = "mismatch"


def megabytes(limit: int) -> str:
    """A limit as people read it: ``25``, or ``0.5`` for one under a megabyte."""
    return f"{round(limit / MB, 2):g}"


def is_name(sha256: str) -> bool:
    return len(sha256) == 64 and _HEX.issuperset(sha256)


def check_name(sha256: str) -> str:
    if not is_name(sha256):
        raise UsageError(f"not a blob name (64 lower-case hex digits): {sha256[:80]!r}")
    return sha256


class Kept(NamedTuple):
    sha256: str
    size: int


class Blobs:
    """A directory of blobs (made on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        check_name(sha256)
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return is_name(sha256) and self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size if is_name(sha256) else None
        except FileNotFoundError:
            return None

    def open(self, sha256: str) -> BinaryIO:
        """The blob to read; NotFoundError when this store does not hold it."""
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"no blob {sha256[:12]} here") from None

    def writer(
        self, sha256: str | None = None, limit: int | None = None, durable: bool = True
    ) -> Writer:
        """A streamed write; ``sha256``: the name the bytes must hash to (else the name is
        what they hash to); ``limit``: the most bytes taken (TooBigError past it);
        ``durable`` False: not synced to disk one by one, but by ``settle`` (bulk work)."""
        if sha256 is not None:
            check_name(sha256)
        return Writer(self, sha256, limit, durable)

    def put(self, data: bytes, durable: bool = True) -> str:
        """Bytes in memory (a part the parser decoded), kept under their hash."""
        import hashlib

        sha256 = hashlib.sha256(data).hexdigest()
        if not self.has(sha256):
            with self.writer(sha256, durable=durable) as w:
                w.write(data)
        return sha256

    def settle(self) -> None:
        """Every blob written without ``durable`` on disk now: one ``syncfs`` of the file
        system that holds them, where a sync of each costs ~2 ms (an import's worker
        settles once per chunk, before the chunk's mail is stored)."""
        if not self.root.exists():
            return
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if not _syncfs(fd):
                os.sync()
        finally:
            os.close(fd)

    def put_file(self, source: BinaryIO, limit: int | None = None) -> Kept:
        """A file streamed in, ``limit`` bytes at most."""
        with self.writer(limit=limit) as w:
            while chunk := source.read(CHUNK):
                w.write(chunk)
        return Kept(w.sha256, w.size)

    # -- marks of what the relay has yet to get ------------------------------------------

    def mark_upload(self, sha256: str) -> None:
        marks = self.root / "uploads"
        marks.mkdir(parents=True, exist_ok=True)
        (marks / check_name(sha256)).touch()

    def uploads(self) -> list[str]:
        """Blobs marked for the relay, oldest mark first."""
        try:
            found = [e for e in os.scandir(self.root / "uploads") if is_name(e.name)]
        except FileNotFoundError:
            return []
        return [e.name for e in sorted(found, key=lambda e: e.stat().st_mtime)]

    def uploaded(self, sha256: str) -> None:
        (self.root / "uploads" / check_name(sha256)).unlink(missing_ok=True)

    def sweep(self, older_than: float = STALE_TEMP) -> int:
        """Remove temporary files of writers that died; returns how many."""
        import time

        removed, now = 0, time.time()
        for entry in _entries(self.root / "tmp"):
            if now - entry.stat().st_mtime > older_than:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed


class Writer:
    """One blob being written: ``write`` chunks, then ``commit``, or ``abort``. As a
    context manager, it commits when the block ends normally and aborts otherwise."""

    def __init__(
        self, blobs: Blobs, sha256: str | None, limit: int | None, durable: bool = True
    ) -> None:
        import hashlib  # a read never needs it (architecture.md)

        self.blobs, self.expected, self.limit, self.durable = blobs, sha256, limit, durable
        self.size = 0
        self.sha256 = ""
        self._hash = hashlib.sha256()
        tmp = blobs.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self._temp = tmp / f"{os.getpid()}-{os.urandom(8).hex()}"
        self._file: BinaryIO | None = self._temp.open("xb")

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise StoreError("the blob is closed")
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            self.abort()
            raise TooBigError(self.limit)
        self._hash.update(chunk)
        self._file.write(chunk)

    def commit(self) -> str:
        """Checked against its name, on disk, renamed into place; returns the name."""
        if self._file is None:
            raise StoreError("the blob is closed")
        sha256 = self._hash.hexdigest()
        if self.expected is not None and sha256 != self.expected:
            self.abort()
            raise MismatchError(
                f"the bytes hash to {sha256[:12]}, not to the blob's name {self.expected[:12]}"
            )
        final = self.blobs.path(sha256)
        self._file.flush()
        if final.exists():  # the same bytes are there already
            self.abort()
        else:
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            final.parent.mkdir(exist_ok=True)
            os.replace(self._temp, final)
        self.sha256 = sha256
        return sha256

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None and self._file is not None:
            self.commit()
        else:
            self.abort()


class Keeper(NamedTuple):
    """What an import's parse workers keep attachments with: picklable, so each worker
    writes the blobs of the mail it parses itself and no bytes cross between processes.
    ``upload``: mark each for the relay (a replica's own import; the gateway writes into
    the relay's store directly)."""

    root: str
    limit: int
    upload: bool = True

    def keep(self, sha256: str, data: bytes) -> None:
        blobs = Blobs(Path(self.root))
        if len(data) > self.limit or blobs.has(sha256):
            return
        if self.upload:
            blobs.mark_upload(sha256)
        with blobs.writer(sha256, durable=False) as w:
            w.write(data)

    def settle(self) -> None:
        Blobs(Path(self.root)).settle()


class Sink(Protocol):
    """Where an import keeps the attachments it parses: a replica's blobs (``Keeper``),
    or the relay's store for the mail gateway; ``settle`` makes what was kept durable
    (called before the mail that names it is stored)."""

    @property
    def limit(self) -> int: ...

    def keep(self, sha256: str, data: bytes) -> None: ...

    def settle(self) -> None: ...


def _entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        yield from os.scandir(folder)
    except FileNotFoundError:
        return


def _syncfs(fd: int) -> bool:
    """Linux's syncfs(2) on the file system of ``fd``; False where there is none."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        call = libc.syncfs
    except (OSError, AttributeError):
        return False
    if call(fd) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return True
