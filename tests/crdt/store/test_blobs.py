"""The blob store: named by content, whole or absent, and a writer killed at any point
leaves nothing under a blob's name."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crdt.errors import NotFoundError
from crdt.store.blobs import Blobs, Keeper, MismatchError, TooBigError
from tests.conftest import ROOT


def test_a_blob_is_kept_under_its_hash_once(tmp_path: Path) -> None:
    blobs = Blobs(tmp_path / "blobs")
    data = os.urandom(1000)
    sha = blobs.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert blobs.path(sha) == tmp_path / "blobs" / sha[:2] / sha[2:]
    assert blobs.put(data) == sha  # idempotent
    with blobs.open(sha) as f:
        assert f.read() == data
    assert blobs.size(sha) == 1000 and blobs.has(sha)
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_a_stream_is_checked_against_its_name_and_its_limit(tmp_path: Path) -> None:
    blobs = Blobs(tmp_path)
    data = os.urandom(3 * 256 * 1024 + 5)  # several chunks
    kept = blobs.put_file(io.BytesIO(data))
    assert kept.sha256 == hashlib.sha256(data).hexdigest() and kept.size == len(data)
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(MismatchError), blobs.writer(wrong) as w:
        w.write(data)
    assert not blobs.has(wrong)
    with pytest.raises(TooBigError):
        blobs.put_file(io.BytesIO(os.urandom(2000)), limit=1999)
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == []
    with pytest.raises(NotFoundError):
        blobs.open(wrong)


def test_an_import_keeper_marks_what_the_relay_has_yet_to_get(tmp_path: Path) -> None:
    keeper = Keeper(str(tmp_path), limit=100)
    small, big = b"x" * 100, b"y" * 101
    keeper.keep(hashlib.sha256(small).hexdigest(), small)
    keeper.keep(hashlib.sha256(big).hexdigest(), big)  # over the limit: listed only
    blobs = Blobs(tmp_path)
    assert blobs.uploads() == [hashlib.sha256(small).hexdigest()]
    assert not blobs.has(hashlib.sha256(big).hexdigest())
    blobs.uploaded(blobs.uploads()[0])
    assert blobs.uploads() == []


WRITER = """
import sys, time
from pathlib import Path
from crdt.store.blobs import Blobs
blobs = Blobs(Path(sys.argv[1]))
w = blobs.writer(sys.argv[2])
w.write(b"a" * 1_000_000)
print("writing", flush=True)
time.sleep(30)
w.write(b"a" * 1_000_000)
w.commit()
"""


def test_a_writer_killed_mid_blob_leaves_nothing_under_its_name(tmp_path: Path) -> None:
    blobs = Blobs(tmp_path)
    data = b"a" * 2_000_000
    sha = hashlib.sha256(data).hexdigest()
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), sha], cwd=ROOT, stdout=subprocess.PIPE
    )
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not blobs.has(sha) and blobs.size(sha) is None
    (left,) = (tmp_path / "tmp").iterdir()  # half a blob, under no blob's name
    assert left.stat().st_size == 1_000_000
    assert blobs.put(data) == sha and blobs.size(sha) == len(data)
    assert blobs.sweep(older_than=3600) == 0  # a writer may still be at it
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    assert blobs.sweep(older_than=3600) == 1
    assert list((tmp_path / "tmp").iterdir()) == []
