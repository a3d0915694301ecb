"""Where imported mail comes from: an mbox file, a Maildir, a folder of .eml files,
or one message file, read one message at a time with the standard library.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from crdt.errors import UsageError


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
        mbox = mailbox.mbox(str(path), factory=None, create=False)
        try:
            for key in mbox.iterkeys():
                yield mbox.get_bytes(key)
        finally:
            mbox.close()


def count(path: Path) -> int | None:
    """How many messages, when that is cheap to know (for progress)."""
    kind = kind_of(path)
    if kind == "maildir":
        return sum(1 for _ in mailbox.Maildir(str(path), factory=None, create=False).iterkeys())
    if kind == "folder":
        return sum(1 for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return None
