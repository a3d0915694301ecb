"""The documents the relay has loaded from its log, the least recently used let go.

Bounded by count and by bytes (``Limits.docs_kept``, ``Limits.docs_bytes``, a
document counted by the bytes of its log entries): a few hundred small conversations
stay loaded, but so many documents of 30 MB would not, and one token could upload them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from crdt.model.ydoc import Doc, load
from relay.protocol import MAX_UPDATE
from relay.server.limits import Limits
from relay.store import RelayStore


class _Loaded(NamedTuple):
    doc: Doc
    entries: int  # entries of its log
    size: int  # bytes of those entries


class Documents:
    """Each document as its log replays it, with how many entries that log holds."""

    def __init__(self, store: RelayStore, limits: Limits) -> None:
        self.store, self.limits = store, limits
        self._docs: OrderedDict[str, _Loaded] = OrderedDict()
        self.size = 0  # bytes of the loaded documents' entries

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, name: object) -> bool:
        return name in self._docs

    def get(self, name: str) -> tuple[Doc, int]:
        found = self._docs.get(name)
        if found is None:
            entries = self.store.doc_entries(name)
            found = _Loaded(load(entries), len(entries), sum(map(len, entries)))
            self._keep(name, found)
        self._docs.move_to_end(name)
        return found.doc, found.entries

    def logged(self, name: str, doc: Doc, added: int, grew: int = 0) -> None:
        """``added`` entries of ``grew`` bytes of ``name`` were logged; a long log is
        folded into one entry."""
        held = self._docs.get(name)
        count = held.entries + added if held else added
        size = held.size + grew if held else grew
        if count > self.limits.compact_after:
            whole = doc.get_update()
            if len(whole) <= MAX_UPDATE:  # a bigger one stays in entries that each go out
                self.store.compact(name, whole)
                size = len(whole)
            count = 1
        self._keep(name, _Loaded(doc, count, size))

    def forget(self, name: str) -> None:
        held = self._docs.pop(name, None)
        if held is not None:
            self.size -= held.size

    def _keep(self, name: str, loaded: _Loaded) -> None:
        self.forget(name)
        self._docs[name] = loaded
        self.size += loaded.size
        while len(self._docs) > 1 and (
            len(self._docs) > self.limits.docs_kept or self.size > self.limits.docs_bytes
        ):
            _, oldest = self._docs.popitem(last=False)
            self.size -= oldest.size
