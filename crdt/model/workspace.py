"""The small workspace documents: agents, teams, mailboxes, saved replies, macros.

Each is one Yjs document named ``ws:<kind>`` holding one map of named items.
Two agents may edit the same item offline; like conversation fields, each
agent writes its own entry ``"<name>\\x1f<agent>" -> {"v": value, "at": time}``
and the latest change wins (``v`` None means removed), see registers.py.
"""

from __future__ import annotations

from typing import Any

from crdt.model import registers
from crdt.model.ydoc import Doc, YMap

SEP = "\x1f"


def _items(doc: Doc) -> YMap:
    return doc.map("items")


def put(doc: Doc, name: str, value: dict[str, Any] | None, who: str, at: str) -> None:
    _items(doc)[f"{name}{SEP}{who}"] = {"v": value, "at": at}


def remove(doc: Doc, name: str, who: str, at: str) -> None:
    put(doc, name, None, who, at)


def items(doc: Doc) -> dict[str, dict[str, Any]]:
    """Every live item by name, each the latest value written by anyone."""
    return live(_items(doc).to_py())


def live(entries: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``items`` of the document's ``items`` map as plain values (as the relay holds it)."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, entry in entries.items():
        name, _, agent = key.partition(SEP)
        grouped.setdefault(name, {})[agent] = entry
    out: dict[str, dict[str, Any]] = {}
    for name, entries in sorted(grouped.items()):
        value = registers.resolve(entries, None)
        if isinstance(value, dict):
            out[name] = value
    return out
