"""The documents the relay has loaded from its log, the least recently used let go."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from crdt.model.ydoc import Doc, load
from relay.server.limits import Limits
from relay.store import RelayStore


class Documents:
    """Each document as its log replays it, with how many entries that log holds, and its
    plain values once read (what the next update's check compares against)."""

    def __init__(self, store: RelayStore, limits: Limits) -> None:
        self.store, self.limits = store, limits
        self._docs: OrderedDict[str, tuple[Doc, int]] = OrderedDict()
        self._plain: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> tuple[Doc, int]:
        found = self._docs.get(name)
        if found is None:
            entries = self.store.doc_entries(name)
            found = (load(entries), len(entries))
            self._docs[name] = found
            while len(self._docs) > self.limits.docs_kept:
                self._plain.pop(self._docs.popitem(last=False)[0], None)
        self._docs.move_to_end(name)
        return found

    def logged(self, name: str, doc: Doc, added: int) -> None:
        """``added`` entries of ``name`` were logged; a long log is folded into one entry."""
        count = self._docs[name][1] + added if name in self._docs else added
        if count > self.limits.compact_after:
            self.store.compact(name, doc.get_update())
            count = 1
        self._docs[name] = (doc, count)

    def plain(self, name: str, read: Callable[[Doc], dict[str, Any]]) -> dict[str, Any]:
        """The document's plain values, read once while it stays loaded."""
        found = self._plain.get(name)
        if found is None:
            found = self._plain[name] = read(self.get(name)[0])
        return found

    def keep_plain(self, name: str, plain: dict[str, Any]) -> None:
        self._plain[name] = plain

    def forget(self, name: str) -> None:
        self._docs.pop(name, None)
        self._plain.pop(name, None)
