"""A rule fires once per message, and every replica keeps the same outcome.

Two replicas may evaluate a rule on the same mail before either hears of the other (both
import it offline; the mail gateway and an agent's `inbox import`). Each writes a firing
record under one key, ``"<rule>\\x1f<message id>"`` in the conversation's ``rules`` map,
``{"rule", "message", "by", "at", "firing", "actions"}``, and each entry its actions write
(an ownership entry, a tag, a register, activity) carries ``"via": firing``. Yjs keeps one
value of a key written concurrently, the same on every replica; the firing it names is
the one that happened. Entries of a firing no record names are void: the view, and every
resolver of ownership, leaves them out. So one rule's one outcome stands (one assignee, one
line of activity), whoever evaluated it, and an evaluator that sees the record already
does not fire the rule again.

Pure: plain values in and out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SEP = "\x1f"


def key(rule: str, message: str) -> str:
    return f"{rule}{SEP}{message}"


def live(records: Mapping[str, Any]) -> frozenset[str]:
    """The firings that stand: those a record names."""
    return frozenset(
        str(r["firing"]) for r in records.values() if isinstance(r, Mapping) and "firing" in r
    )


def kept(entries: Mapping[str, Any], standing: frozenset[str]) -> dict[str, Any]:
    """A map's entries without those a void firing wrote."""
    return {k: e for k, e in entries.items() if not _void(e, standing)}


def kept_list(entries: Iterable[Any], standing: frozenset[str]) -> list[Any]:
    return [e for e in entries if not _void(e, standing)]


def _void(entry: Any, standing: frozenset[str]) -> bool:
    return isinstance(entry, Mapping) and "via" in entry and entry["via"] not in standing


def record(
    rule: str, message: str, by: str, at: str, firing: str, actions: list[str]
) -> dict[str, Any]:
    return {
        "rule": rule,
        "message": message,
        "by": by,
        "at": at,
        "firing": firing,
        "actions": actions,
    }


def is_record(value: Any, record_key: str) -> bool:
    """A record whose fields are there and typed, and whose key is its rule and message."""
    if not isinstance(value, Mapping):
        return False
    fields = ("rule", "message", "by", "at", "firing")
    if not all(isinstance(value.get(f), str) for f in fields):
        return False
    actions = value.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return False
    return key(str(value["rule"]), str(value["message"])) == record_key
