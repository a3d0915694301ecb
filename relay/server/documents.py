"""The documents the relay has loaded from its log, the least recently used let go.

Bounded by count and by bytes (``Limits.docs_kept``, ``Limits.docs_bytes``, a
document counted by the bytes of its log entries): a few hundred small conversations
stay loaded, but so many documents of 30 MB would not, and one token could upload them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from crdt.model.ydoc import Doc, load
from relay.protocol import MAX_UPDATE
from relay.server.limits import Limits
from relay.store import RelayStore


class _Loaded(NamedTuple):
    doc: Doc
    entries: int  # entries of its log
    size: int  # bytes of those entries


class Documents:
    """Each document as its log replays it, with how many entries that log holds, and its
    plain values once read (what the next update's check compares against)."""

    def __init__(self, store: RelayStore, limits: Limits) -> None:
        self.store, self.limits = store, limits
        self._docs: OrderedDict[str, _Loaded] = OrderedDict()
        self._plain: dict[str, dict[str, Any]] = {}
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

    def plain(self, name: str, read: Callable[[Doc], dict[str, Any]]) -> dict[str, Any]:
        """The document's plain values, read once while it stays loaded."""
        found = self._plain.get(name)
        if found is None:
            found = self._plain[name] = read(self.get(name)[0])
        return found

    def keep_plain(self, name: str, plain: dict[str, Any]) -> None:
        self._plain[name] = plain

    def forget(self, name: str) -> None:
        self._plain.pop(name, None)
        self._let_go(name)

    def _let_go(self, name: str) -> None:
        held = self._docs.pop(name, None)
        if held is not None:
            self.size -= held.size

    def _keep(self, name: str, loaded: _Loaded) -> None:
        self._let_go(name)
        self._docs[name] = loaded
        self.size += loaded.size
        while len(self._docs) > 1 and (
            len(self._docs) > self.limits.docs_kept or self.size > self.limits.docs_bytes
        ):
            oldest, held = self._docs.popitem(last=False)
            self.size -= held.size
            self._plain.pop(oldest, None)
