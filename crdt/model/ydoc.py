"""Yjs documents: the one module that touches pycrdt.

It drives pycrdt's compiled core (``pycrdt._pycrdt``, the Rust ``yrs`` binding)
directly. The ``pycrdt`` package around it adds async events, observers and
typed models we do not use, and importing it costs ~145 ms (anyio, asyncio,
importlib.metadata) plus ~45 ms for its first ``Doc``; the core alone loads in
~2 ms. A short command such as ``inbox tag`` spends most of its life there, so
documents are built on the core and this module stays small: maps and arrays of
plain JSON values, transactions, updates and state vectors. The package version
is pinned, since the core's interface is internal to it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crdt.errors import BadUpdateError

if TYPE_CHECKING:
    from pycrdt import _pycrdt as _core_types

_CORE = "pycrdt._pycrdt"


def _load_core() -> Any:
    """The compiled module, loaded without running the package's ``__init__``.

    Registered under its own name, so a later ``import pycrdt`` in the same
    process (a relay, a test) shares it rather than loading a second copy.
    """
    found = sys.modules.get(_CORE)
    if found is not None:
        return found
    spec = importlib.util.find_spec("pycrdt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pycrdt is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"_pycrdt{suffix}"
        if path.exists():
            core_spec = importlib.util.spec_from_file_location(_CORE, path)
            assert core_spec is not None and core_spec.loader is not None
            module = importlib.util.module_from_spec(core_spec)
            sys.modules[_CORE] = module
            core_spec.loader.exec_module(module)
            return module
    raise ImportError(f"pycrdt's compiled core is missing from {folder}")


_core = _load_core()


EMPTY_STATE = b"\x00"  # the state vector of an empty document
_JOINED = nullcontext()  # a transaction inside another: nothing to open or commit


class Doc:
    """A Yjs document. Changes made inside one ``transaction()`` become one update."""

    __slots__ = ("_doc", "_roots", "_txn", "_watching")

    def __init__(self, client_id: int | None = None) -> None:
        """``client_id``: Yjs's id of this writer, random unless given (tests that must
        make the same bytes twice give one)."""
        self._doc: _core_types.Doc = _core.Doc(client_id, None, None)
        self._txn: _core_types.Transaction | None = None
        self._roots: dict[str, YMap | YArray] = {}
        self._watching: list[Any] = []  # subscriptions of a trial's observers

    def transaction(self) -> AbstractContextManager[None]:
        """Nested uses share the outermost transaction, as in Yjs (and cost next to
        nothing: an import makes tens of thousands of them)."""
        return _JOINED if self._txn is not None else self._own_transaction()

    @contextmanager
    def _own_transaction(self) -> Iterator[None]:
        txn = self._txn = self._doc.create_transaction()
        try:
            yield
        finally:
            try:
                txn.commit()
            finally:
                txn.drop()
                self._txn = None

    def _with_txn(self, work: Any, *args: Any) -> Any:
        """Run ``work(txn, *args)`` in the current transaction, or a short one of its own."""
        if self._txn is not None:
            return work(self._txn, *args)
        with self.transaction():
            return work(self._txn, *args)

    def map(self, name: str) -> YMap:
        found = self._roots.get(name)
        if found is None:
            found = self._roots[name] = YMap(
                self, self._with_txn(self._doc.get_or_insert_map, name)
            )
        assert isinstance(found, YMap)
        return found

    def array(self, name: str) -> YArray:
        found = self._roots.get(name)
        if found is None:
            raw = self._with_txn(self._doc.get_or_insert_array, name)
            found = self._roots[name] = YArray(self, raw)
        assert isinstance(found, YArray)
        return found

    def to_py(
        self,
        maps: Sequence[str],
        arrays: Sequence[str],
        loads: Callable[[str], Any] = json.loads,
    ) -> dict[str, Any]:
        """The named roots as plain values: one transaction and one JSON decode for all,
        and nothing to read for a root the document does not have (a conversation has
        twelve, most of them empty; one read each costs ~15 us)."""

        def read(txn: _core_types.Transaction) -> str:
            present = self._doc.roots(txn)
            parts = [
                f'"{n}":{self._doc.get_or_insert_map(txn, n).to_json(txn)}'
                for n in maps
                if n in present
            ]
            parts += [
                f'"{n}":{self._doc.get_or_insert_array(txn, n).to_json(txn)}'
                for n in arrays
                if n in present
            ]
            return "{" + ",".join(parts) + "}"

        found = loads(self._with_txn(read))
        return {**{n: {} for n in maps}, **{n: [] for n in arrays}, **found}

    def apply_update(self, update: bytes) -> None:
        """Apply an update, or raise ``BadUpdateError``, whatever the bytes.

        pycrdt raises a ``ValueError`` for most malformed updates but panics on some
        (a Rust panic surfaces as pyo3's ``PanicException``, a ``BaseException`` that
        ``except Exception`` misses). After either, this document may hold part of the
        update: callers that must not keep that apply to a copy first (``trial``)."""
        try:
            self._with_txn(self._doc.apply_update, update)
        except Exception as exc:
            raise BadUpdateError(f"not an update this document can take ({exc})") from None
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            raise BadUpdateError(f"an update that makes pycrdt panic ({exc})") from None

    def root_names(self) -> list[str]:
        """The roots the document holds, whatever their type (an update may bring any)."""
        return sorted(self._with_txn(self._doc.roots))

    def trial(
        self, update: bytes, maps: Sequence[str] = (), arrays: Sequence[str] = ()
    ) -> tuple[Doc, set[str]]:
        """A copy of this document with ``update`` applied, and which of the named roots
        it changed (at any depth): the update proven harmless before anything keeps it,
        and only what it touched read again. Only integrated changes are copied in, so
        what a later update could complete of a partial one starts from nothing."""
        copy = Doc()
        copy.apply_update(self.get_update())
        touched = copy._watch(maps, arrays)
        copy.apply_update(update)
        return copy, touched

    def changed_by(
        self, change: Callable[[Doc], None], maps: Sequence[str], arrays: Sequence[str]
    ) -> set[str]:
        """Run ``change`` on this document itself, and say which of the named roots it
        changed: the relay's own writes (a visitor's chat message), whose bytes it makes,
        so there is nothing foreign to try on a copy first; the caller that must not keep
        a change it then refuses lets the document go and loads it again."""
        touched = self._watch(maps, arrays)
        try:
            change(self)
        finally:
            for subscription in self._watching:
                subscription.drop()
            self._watching.clear()
        return touched

    def _watch(self, maps: Sequence[str], arrays: Sequence[str]) -> set[str]:
        """Observers on the named roots that note each one changed (at any depth)."""
        touched: set[str] = set()

        def watch(txn: _core_types.Transaction) -> None:
            for name in maps:
                root: Any = self._doc.get_or_insert_map(txn, name)
                self._watching.append(root.observe_deep(lambda _e, n=name: touched.add(n)))
            for name in arrays:
                root = self._doc.get_or_insert_array(txn, name)
                self._watching.append(root.observe_deep(lambda _e, n=name: touched.add(n)))

        self._with_txn(watch)
        return touched

    def get_update(self, since: bytes | None = None) -> bytes:
        """The whole document, or what changed after state vector ``since``."""
        return bytes(self._with_txn(self._doc.get_update, since or EMPTY_STATE))

    def get_state(self) -> bytes:
        return bytes(self._with_txn(self._doc.get_state))


class YMap:
    """A root map of plain JSON values."""

    __slots__ = ("_map", "_owner")

    def __init__(self, owner: Doc, raw: _core_types.Map) -> None:
        self._owner = owner
        self._map = raw

    def __setitem__(self, key: str, value: Any) -> None:
        self._owner._with_txn(self._map.insert, key, value)

    def __delitem__(self, key: str) -> None:
        self._owner._with_txn(self._map.remove, key)

    def __getitem__(self, key: str) -> Any:
        if key not in self:
            raise KeyError(key)
        return self.get(key)

    def __len__(self) -> int:
        return int(self._owner._with_txn(self._map.len))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._owner._with_txn(self._map.has, key))

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        return self._owner._with_txn(self._map.get, key)

    def keys(self) -> list[str]:
        keys = self._map.keys  # type: ignore[attr-defined]  # present, missing from the stub
        return list(self._owner._with_txn(keys))

    def json(self) -> str:
        return str(self._owner._with_txn(self._map.to_json))

    def to_py(self) -> dict[str, Any]:
        """Plain values, decoded from the JSON the core renders in one call (~6x faster
        than reading entry by entry)."""
        found = json.loads(self.json())
        return found if isinstance(found, dict) else {}


class YArray:
    """A root array of plain JSON values, appended to and read whole."""

    __slots__ = ("_array", "_owner")

    def __init__(self, owner: Doc, raw: _core_types.Array) -> None:
        self._owner = owner
        self._array = raw

    def append(self, value: Any) -> None:
        txn = self._owner._txn
        if txn is None:
            with self._owner.transaction():
                self.append(value)
            return
        self._array.insert(txn, self._array.len(txn), value)

    def __len__(self) -> int:
        return int(self._owner._with_txn(self._array.len))

    def json(self) -> str:
        return str(self._owner._with_txn(self._array.to_json))

    def to_py(self) -> list[Any]:
        found = json.loads(self.json())
        return found if isinstance(found, list) else []


def load(updates: Sequence[bytes]) -> Doc:
    """Replay a snapshot and the updates after it.

    Yjs updates commute, but pycrdt 0.14 can leave part of an update unapplied when
    it arrives before an update it depends on (seen with two roots changed in one
    transaction); applying it again repairs that. So the updates are replayed until
    the state stops moving: one extra pass, a no-op when all arrived in order.
    """
    doc = Doc()
    for update in updates:
        doc.apply_update(update)
    for _ in range(len(updates) if len(updates) > 1 else 0):
        before = doc.get_state()
        for update in updates:
            doc.apply_update(update)
        if doc.get_state() == before:
            break
    return doc


def clocks(state: bytes) -> dict[int, int]:
    """A state vector as {client id: number of items seen}."""
    out: dict[int, int] = {}
    pos = 0

    def uint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = state[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    for _ in range(uint()):
        client = uint()
        out[client] = uint()
    return out


def covers(state: bytes, other: bytes) -> bool:
    """Whether a document at ``state`` has everything a document at ``other`` has."""
    have = clocks(state)
    return all(have.get(client, 0) >= clock for client, clock in clocks(other).items())
