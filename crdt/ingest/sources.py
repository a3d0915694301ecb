"""Where imported mail comes from: an mbox file, a Maildir, a folder of .eml files,
or one message file, read one message at a time, or in chunks for parse workers.

A Maildir is read with the standard library's ``mailbox``. An mbox is split here, in
pieces, the way ``mailbox.mbox`` splits it (tests hold the two to the same result):
``mailbox.mbox`` first reads the whole file line by line to index it, ~34 us a
message, ~17 s for a 1.5 GB mbox before the first mail can be parsed.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from crdt.errors import NotMailError, UsageError

BLOCK = 1 << 20  # bytes read at a time past a piece, to the end of its last message
PIECE = 3 << 20  # bytes of an mbox a parse worker reads itself: ~1,000 plain mails
_SEPARATOR = b"\nFrom "


class Piece(NamedTuple):
    """The messages of an mbox whose "From " line starts in bytes ``[start, end)``: a
    chunk a parse worker reads itself, so the process that hands chunks out (and threads
    what comes back) never reads the mail."""

    path: str
    start: int
    end: int

    def read(self, block: int = BLOCK, envelopes: list[bytes] | None = None) -> list[bytes]:
        """The piece's messages; their "From " lines appended to ``envelopes`` if given."""
        with open(self.path, "rb") as f:
            f.seek(max(self.start - 1, 0))
            data = f.read(self.end - max(self.start - 1, 0))
            if self.start:  # from the first line that starts in the piece
                data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
            head = data + f.read(len(_SEPARATOR) - 2)  # a "From " line may end past it
            if not (data and head.startswith(b"From ")) and not (
                0 <= head.find(_SEPARATOR) < len(data) - 1
            ):
                return []  # inside a message that began in an earlier piece
            f.seek(self.end)
            data += _up_to_next_message(f, data[-1:], block)
        return list(mbox_messages(data, envelopes))


def _up_to_next_message(f: BinaryIO, before: bytes, block_size: int) -> bytes:
    """The file from where it is read to the next "From " line (or its end): the rest
    of a piece's last message. ``before``: the byte just before, which may be the
    separator's line break."""
    parts: list[bytes] = []
    size = 0  # bytes in parts
    tail = before  # the last bytes seen, where a separator may have begun
    while block := f.read(block_size):
        window = tail + block
        cut = window.find(_SEPARATOR)
        parts.append(block)
        if cut >= 0:
            return b"".join(parts)[: size - len(tail) + cut + 1]
        size += len(block)
        tail = window[-(len(_SEPARATOR) - 1) :]
    return b"".join(parts)


Chunk = list[bytes] | Piece


def chunks(path: Path, count: int) -> Iterator[Chunk]:
    """The source in chunks for parse workers, in order (``messages`` reads one): an mbox
    in pieces of PIECE bytes, anything else in lists of ``count`` messages."""
    if kind_of(path) == "mbox":
        yield from _pieces(path)
        return
    chunk: list[bytes] = []
    for raw in read(path):
        chunk.append(raw)
        if len(chunk) >= count:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def messages(chunk: Chunk, envelopes: list[bytes] | None = None) -> list[bytes]:
    """A chunk's messages; for an mbox, each one's "From " line is appended to
    ``envelopes`` (its date is when the mail was delivered), for others nothing."""
    return chunk.read(envelopes=envelopes) if isinstance(chunk, Piece) else chunk


def _pieces(path: Path) -> Iterator[Piece]:
    size = path.stat().st_size
    for start in range(0, size, PIECE):
        yield Piece(str(path), start, min(start + PIECE, size))


MBOX_NAMES = (".mbox", ".mbx")  # an empty file so named is an mbox of no mail, not a mistake


def expect_mail(path: Path) -> str:
    """The source's kind, once it is known to have entries to read: an empty file, a
    device, or a folder with no files is refused (NotMailError) before anything is read;
    an empty mbox (by its name) or an empty Maildir is a source of 0 messages."""
    kind = kind_of(path)
    try:
        if kind == "folder" and not _folder_files(path):
            raise NotMailError(str(path))
        if kind == "message" and (not path.is_file() or path.stat().st_size == 0):
            raise NotMailError(str(path))  # an empty file named as an mbox is one (kind_of)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    return kind


def _named_mbox(path: Path) -> bool:
    return path.suffix.lower() in MBOX_NAMES or path.name.lower() == "mbox"


def kind_of(path: Path) -> str:
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new")):
            return "maildir"
        return "folder"
    try:
        with path.open("rb") as f:
            head = f.read(5)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    if head == b"From " or (not head and path.is_file() and _named_mbox(path)):
        return "mbox"
    return "message"


def read(path: Path) -> Iterator[bytes]:
    """Raw messages in the source's order, without loading the whole source."""
    kind = kind_of(path)
    if kind == "message":
        yield path.read_bytes()
    elif kind == "folder":
        for item in _folder_files(path):
            yield item.read_bytes()
    elif kind == "maildir":
        box = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield box.get_bytes(key)
    else:
        for piece in _pieces(path):
            yield from piece.read()


def _folder_files(path: Path) -> list[Path]:
    return [p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")]


def entry_names(path: Path) -> Callable[[int], str]:
    """What to call the source's n-th entry (from 0, in ``read`` order) when it has to be
    named: the file, or the mbox or Maildir and the entry's place in it. A folder or
    Maildir is listed again only when asked, which is when an entry is not mail."""
    kind = kind_of(path)
    if kind == "message":
        return lambda n: str(path)
    if kind == "mbox":
        return lambda n: f"{path}, message {n + 1}"
    listing: list[str] = []

    def name(n: int) -> str:
        if not listing:
            if kind == "folder":
                listing.extend(str(p) for p in _folder_files(path))
            else:
                box = mailbox.Maildir(str(path), factory=None, create=False)
                listing.extend(f"{path}, message {key}" for key in sorted(box.iterkeys()))
        return listing[n] if n < len(listing) else f"{path}, entry {n + 1}"

    return name


def mbox_messages(data: bytes, envelopes: list[bytes] | None = None) -> Iterator[bytes]:
    """The messages of mbox text, without their "From " lines (appended, one a message,
    to ``envelopes`` when given).

    As ``mailbox.mbox`` reads it: every line that starts with "From " begins a message
    (an unescaped one in a body too), what comes before the first is no mail, and an
    empty line just before a "From " line or the end belongs to neither message.
    """
    buf = b"\n" + data  # so that a "From " line at the very start is found like any other
    start = -1  # where the current message's "From " line begins; -1 before the first
    while (cut := buf.find(_SEPARATOR, start + 1)) >= 0:
        if start >= 0:
            yield _without_from_line(buf, start, cut + 1, envelopes)
        start = cut + 1
    if start >= 0:
        yield _without_from_line(buf, start, len(buf), envelopes)


def _without_from_line(buf: bytes, start: int, end: int, envelopes: list[bytes] | None) -> bytes:
    """``buf[start:end]`` is one entry, "From " line first."""
    begin = buf.find(b"\n", start, end) + 1
    if envelopes is not None:
        envelopes.append(buf[start : begin - 1 if begin else end].rstrip(b"\r"))
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
