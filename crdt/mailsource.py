"""Where imported mail comes from: an mbox file, a Maildir, a folder of .eml files,
or one message file, read one message at a time.

A Maildir is read with the standard library's ``mailbox``. An mbox is split here, in
blocks, the way ``mailbox.mbox`` splits it (a test holds the two to the same result):
``mailbox.mbox`` first reads the whole file line by line to index it, ~34 us a
message, ~17 s for a 1.5 GB mbox before the first mail can be parsed.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Iterator
from pathlib import Path

from crdt.errors import UsageError

BLOCK = 1 << 20  # bytes read at a time from an mbox
_SEPARATOR = b"\nFrom "


def kind_of(path: Path) -> str:
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new")):
            return "maildir"
        return "folder"
    with path.open("rb") as f:
        head = f.read(5)
    return "mbox" if head == b"From " else "message"


def read(path: Path) -> Iterator[bytes]:
    """Raw messages in the source's order, without loading the whole source."""
    kind = kind_of(path)
    if kind == "message":
        yield path.read_bytes()
    elif kind == "folder":
        for item in sorted(path.iterdir()):
            if item.is_file() and not item.name.startswith("."):
                yield item.read_bytes()
    elif kind == "maildir":
        box = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield box.get_bytes(key)
    else:
        with path.open("rb") as f:
            yield from mbox_messages(iter(lambda: f.read(BLOCK), b""))


def mbox_messages(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox given in blocks of bytes, without their "From " lines.

    As ``mailbox.mbox`` reads it: every line that starts with "From " begins a message
    (an unescaped one in a body too), what comes before the first is no mail, and an
    empty line just before a "From " line or the end belongs to neither message.
    """
    buf = b"\n"  # so that a "From " line at the very start is found like any other
    start = -1  # where the current message's "From " line begins; -1 before the first
    scan = 0  # where the next separator may begin
    for block in blocks:
        keep = start if start >= 0 else scan
        buf, scan, start = buf[keep:] + block, scan - keep, max(start - keep, -1)
        while (cut := buf.find(_SEPARATOR, scan)) >= 0:
            if start >= 0:
                yield _without_from_line(buf, start, cut + 1)
            start = scan = cut + 1
        scan = max(scan, len(buf) - len(_SEPARATOR) + 1)
    if start >= 0:
        yield _without_from_line(buf, start, len(buf))


def _without_from_line(buf: bytes, start: int, end: int) -> bytes:
    """``buf[start:end]`` is one entry, "From " line first."""
    begin = buf.find(b"\n", start, end) + 1
    if begin == 0:
        return b""
    if buf.endswith(b"\n\n", begin, end) or (end - begin == 1 and buf[begin] == 10):
        end -= 1
    return buf[begin:end]


def count(path: Path) -> int | None:
    """How many messages, when that is cheap to know (for progress)."""
    kind = kind_of(path)
    if kind == "maildir":
        return sum(1 for _ in mailbox.Maildir(str(path), factory=None, create=False).iterkeys())
    if kind == "folder":
        return sum(1 for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return None
