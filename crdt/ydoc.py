"""The one place pycrdt documents are built from stored bytes and encoded back.

Importing pycrdt costs ~70 ms, so only commands that change documents pay it:
reads are served from the materialised index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pycrdt import Array, Doc, Map


def load(updates: Sequence[bytes]) -> Doc[Any]:
    """Replay a snapshot and the updates after it.

    Yjs updates commute, but pycrdt 0.14 can leave part of an update unapplied when
    it arrives before an update it depends on (seen with two roots changed in one
    transaction); applying it again repairs that. So the updates are replayed until
    the state stops moving: one extra pass, a no-op when all arrived in order.
    """
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    for _ in range(len(updates) if len(updates) > 1 else 0):
        before = state(doc)
        for update in updates:
            doc.apply_update(update)
        if state(doc) == before:
            break
    return doc


def state(doc: Doc[Any]) -> bytes:
    return bytes(doc.get_state())


def encode(doc: Doc[Any], since: bytes | None = None) -> bytes:
    """The whole document, or what changed after state vector ``since``."""
    return bytes(doc.get_update(since) if since is not None else doc.get_update())


def plain(shared: Map[Any] | Array[Any]) -> Any:
    """A root as plain values, decoded from the JSON pycrdt renders in one call."""
    return json.loads(str(shared))
