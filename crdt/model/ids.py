"""Ids made offline on any replica, shown as their shortest unique prefix (as git does)."""

from __future__ import annotations

import os

ID_LENGTH = 32
MIN_PREFIX = 4
HEX = frozenset("0123456789abcdef")


def new_id() -> str:
    """A random 128-bit id: random rather than time-ordered so prefixes stay short."""
    return os.urandom(16).hex()


def derived_id(*parts: str) -> str:
    """A stable id from content, so two replicas importing the same mail agree."""
    import hashlib  # not at import time: `inbox list` never needs it

    h = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:ID_LENGTH]


def is_prefix(text: str) -> bool:
    return 0 < len(text) <= ID_LENGTH and set(text.lower()) <= HEX


def common_prefix_length(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def short_length(ident: str, neighbours: tuple[str | None, str | None]) -> int:
    """Length of the shortest prefix of ``ident`` that its sorted neighbours do not share."""
    need = max((common_prefix_length(ident, n) for n in neighbours if n), default=0) + 1
    return min(max(need, MIN_PREFIX), len(ident))
