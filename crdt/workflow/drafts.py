"""A reply being written: its text and what the agent had seen when it began, as two
files in the replica home::

    <home>/drafts/<conversation>.txt    the text: the very file an editor edits
    <home>/drafts/<conversation>.json   {"conversation", "started_at", "seen", "agent"}
                                        (+ "to", "cc": a composed first message's)

Files rather than a document: a draft belongs to one agent on one machine and changes
with every keystroke, so it is never synced; and a watcher can tell someone is typing
from the text file changing. ``seen`` holds the id of every message and note present
when the draft began, so a send can tell what arrived since (replies.new_items).

Each file is written whole (temporary file, then ``os.replace``), so a crash leaves the
old version or the new one, never half. The metadata is written last and removed first:
a text file without it is the leftover of a crash, not a draft.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from crdt.errors import InboxError

FOLDER = "drafts"


class Draft(NamedTuple):
    conversation: str
    text: str
    started_at: str
    seen: list[str]
    agent: str
    path: Path  # the text file
    # the recipients of a composed conversation's first message, when more than its
    # customer (`inbox compose --draft`): kept with the text until it is sent
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "conversation": self.conversation,
            "path": str(self.path),
            "started_at": self.started_at,
            "seen": self.seen,
            "agent": self.agent,
        }
        return {**out, "to": list(self.to), "cc": list(self.cc)} if self.to else out


def paths(home: Path, conversation: str) -> tuple[Path, Path]:
    """The text file and the metadata file of a conversation's draft."""
    base = home / FOLDER / conversation
    return base.with_suffix(".txt"), base.with_suffix(".json")


def load(home: Path, conversation: str) -> Draft | None:
    text_path, meta_path = paths(home, conversation)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        text = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InboxError(
            f"cannot read the draft {meta_path}: {exc}; remove it to start over"
        ) from exc
    return Draft(
        conversation,
        text,
        str(meta.get("started_at", "")),
        [str(i) for i in meta.get("seen", [])],
        str(meta.get("agent", "")),
        text_path,
        tuple(str(a) for a in meta.get("to", [])),
        tuple(str(a) for a in meta.get("cc", [])),
    )


def save(
    home: Path,
    conversation: str,
    text: str,
    *,
    seen: Iterable[str],
    agent: str,
    started_at: str,
    to: Iterable[str] = (),
    cc: Iterable[str] = (),
) -> Draft:
    text_path, meta_path = paths(home, conversation)
    seen_ids = sorted(set(seen))
    meta: dict[str, Any] = {
        "conversation": conversation,
        "started_at": started_at,
        "seen": seen_ids,
        "agent": agent,
    }
    recipients, copies = tuple(to), tuple(cc)
    if recipients:
        meta.update(to=list(recipients), cc=list(copies))
    write_atomic(text_path, text.encode("utf-8"))
    write_atomic(meta_path, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return Draft(conversation, text, started_at, seen_ids, agent, text_path, recipients, copies)


def remove(home: Path, conversation: str) -> None:
    text_path, meta_path = paths(home, conversation)
    meta_path.unlink(missing_ok=True)
    text_path.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` whole: readers (and a crash) see old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
