"""The documents the relay has loaded from its log, the least recently used let go."""

from __future__ import annotations

from collections import OrderedDict

from crdt.model.ydoc import Doc, load
from relay.protocol import MAX_UPDATE
from relay.server.limits import Limits
from relay.store import RelayStore


class Documents:
    """Each document as its log replays it, with how many entries that log holds."""

    def __init__(self, store: RelayStore, limits: Limits) -> None:
        self.store, self.limits = store, limits
        self._docs: OrderedDict[str, tuple[Doc, int]] = OrderedDict()

    def get(self, name: str) -> tuple[Doc, int]:
        found = self._docs.get(name)
        if found is None:
            entries = self.store.doc_entries(name)
            found = (load(entries), len(entries))
            self._docs[name] = found
            while len(self._docs) > self.limits.docs_kept:
                self._docs.popitem(last=False)
        self._docs.move_to_end(name)
        return found

    def logged(self, name: str, doc: Doc, added: int) -> None:
        """``added`` entries of ``name`` were logged; a long log is folded into one entry."""
        count = self._docs[name][1] + added if name in self._docs else added
        if count > self.limits.compact_after:
            whole = doc.get_update()
            if len(whole) <= MAX_UPDATE:  # a bigger one stays in entries that each go out
                self.store.compact(name, whole)
            count = 1
        self._docs[name] = (doc, count)

    def forget(self, name: str) -> None:
        self._docs.pop(name, None)
