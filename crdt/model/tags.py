"""Tags as an add-wins set: the rule for a concurrent add and remove of one tag.

Each ``add`` writes a fresh entry ``"<tag>\\x1f<entry id>" -> {"tag", "by", "at"}``;
a ``remove`` deletes the entries of that tag that its replica has seen. An add
made concurrently with a remove was not seen by it, so its entry survives and
the tag stays: on every replica, a concurrent add wins over a remove.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SEP = "\x1f"
_VALID = re.compile(r"^[^\s\x00-\x1f,]{1,64}$")


def normalise(tag: str) -> str:
    from crdt.errors import UsageError

    cleaned = tag.strip().lower()
    if not _VALID.match(cleaned):
        raise UsageError(f"invalid tag {tag!r}: 1-64 characters, no spaces or commas")
    return cleaned


def entry_key(tag: str, entry_id: str) -> str:
    return f"{tag}{SEP}{entry_id}"


def keys_of(tag: str, keys: Iterable[str]) -> list[str]:
    prefix = tag + SEP
    return [k for k in keys if k.startswith(prefix)]


def current(entries: Mapping[str, Any]) -> list[str]:
    return sorted({k.split(SEP, 1)[0] for k in entries})
