"""mbox files split in blocks exactly as the standard library's ``mailbox.mbox`` splits them."""

from __future__ import annotations

import mailbox
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crdt.ingest import sources

LINES = [b"From a@b Mon Jan  1 00:00:00 2024", b"From ", b"From", b"", b"text", b">From x", b"\r"]


def _stdlib(path: Path) -> list[bytes]:
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=30),
    end=st.sampled_from([b"", b"\n", b"\n\n"]),
)
def test_split_like_mailbox(tmp_path_factory, lines: list[bytes], end: bytes) -> None:
    data = b"\n".join(lines) + end
    path = tmp_path_factory.mktemp("mbox") / "box"
    path.write_bytes(data)
    assert list(sources.mbox_messages(data)) == _stdlib(path)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=30),
    end=st.sampled_from([b"", b"\n", b"\n\n"]),
    piece=st.integers(min_value=1, max_value=40),
    block=st.integers(min_value=1, max_value=9),
)
def test_pieces_read_apart_give_the_same_messages(
    tmp_path_factory, lines: list[bytes], end: bytes, piece: int, block: int
) -> None:
    data = b"\n".join(lines) + end
    path = tmp_path_factory.mktemp("mbox") / "box"
    path.write_bytes(data)
    pieces = [
        sources.Piece(str(path), s, min(s + piece, len(data))) for s in range(0, len(data), piece)
    ]
    assert [m for p in pieces for m in p.read(block)] == _stdlib(path)


def test_a_large_mbox_read_through_the_file(tmp_path: Path) -> None:
    body = b"Subject: hi\n\n" + b"line of text\n" * 20_000  # each message spans blocks
    data = b"".join(b"From x@y Mon Jan  1 00:00:00 2024\n" + body + b"\n" for _ in range(150))
    path = tmp_path / "big.mbox"
    path.write_bytes(data)
    got = list(sources.read(path))
    assert len(got) == 150 and got == _stdlib(path)
    chunks = list(sources.chunks(path, 10))
    assert all(isinstance(c, sources.Piece) for c in chunks) and len(chunks) > 1
    assert [m for c in chunks for m in sources.messages(c)] == got


def test_other_sources_come_in_lists_of_messages(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"{i}.eml").write_bytes(b"Subject: %d\n\nhi\n" % i)
    chunks = list(sources.chunks(tmp_path, 2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [m for c in chunks for m in sources.messages(c)] == list(sources.read(tmp_path))
