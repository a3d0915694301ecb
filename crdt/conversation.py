"""A conversation as a Yjs document, and every operation on it.

Roots (all created on first use, so documents made on different replicas merge):

    meta       Map    id, subject, channel, mailbox, customer, customer_name, created_at
    messages   Array  immutable dicts: inbound/outbound email or chat
    delivery   Map    message id -> {"state", "at", "detail"} (queued, sent, bounced ...)
    notes      Array  immutable dicts: internal notes with @mentions
    tags       Map    add-wins set (see tags.py)
    claims     Map    ownership entries (see claims.py)
    status, priority, snooze, sentiment, merged
               Map    registers: one entry per agent, latest wins (see registers.py)
    activity   Array  append-only {"who", "action", "at", "detail"}

Each operation changes the document in one transaction and appends its
activity entry; the caller stores the resulting update.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc, Map

from crdt import claims, tags
from crdt.claims import Ownership
from crdt.errors import UsageError
from crdt.ids import new_id
from crdt.ydoc import plain

STATUSES = ("open", "pending", "closed", "spam")
PRIORITIES = ("urgent", "high", "normal", "low")
CHANNELS = ("email", "chat")
MAP_ROOTS = (
    "meta",
    "delivery",
    "tags",
    "claims",
    "status",
    "priority",
    "snooze",
    "sentiment",
    "merged",
)
ARRAY_ROOTS = ("messages", "notes", "activity")


_ROOTS: dict[int, tuple[Doc[Any], dict[str, Any]]] = {}
_ROOTS_KEPT = 8


def _root(doc: Doc[Any], name: str, kind: type[Any]) -> Any:
    """A root of the document, fetched once: each ``Doc.get`` costs ~10 us and building
    one conversation touches its roots some thirty times. The cache holds the last few
    documents only (a root refers to its document, so a weak cache could not let go)."""
    entry = _ROOTS.get(id(doc))
    if entry is None or entry[0] is not doc:
        entry = _ROOTS[id(doc)] = (doc, {})
        while len(_ROOTS) > _ROOTS_KEPT:
            del _ROOTS[next(iter(_ROOTS))]
    roots = entry[1]
    found = roots.get(name)
    if found is None:
        found = roots[name] = doc.get(name, type=kind)
    return found


def root_map(doc: Doc[Any], name: str) -> Map[Any]:
    found: Map[Any] = _root(doc, name, Map)
    return found


def root_array(doc: Doc[Any], name: str) -> Array[Any]:
    found: Array[Any] = _root(doc, name, Array)
    return found


def _log(doc: Doc[Any], who: str, action: str, at: str, detail: str | None = None) -> None:
    entry: dict[str, Any] = {"who": who, "action": action, "at": at}
    if detail:
        entry["detail"] = detail
    root_array(doc, "activity").append(entry)


def _register(doc: Doc[Any], name: str, who: str, value: Any, at: str) -> None:
    root_map(doc, name)[who] = {"v": value, "at": at}


def create(
    doc: Doc[Any],
    *,
    conversation_id: str,
    subject: str,
    channel: str,
    mailbox: str | None,
    customer: str | None,
    customer_name: str | None,
    who: str,
    at: str,
) -> None:
    if channel not in CHANNELS:
        raise UsageError(f"unknown channel {channel!r}")
    with doc.transaction():
        meta = root_map(doc, "meta")
        for key, value in (
            ("id", conversation_id),
            ("subject", subject),
            ("channel", channel),
            ("mailbox", mailbox),
            ("customer", customer),
            ("customer_name", customer_name),
            ("created_at", at),
        ):
            if value is not None and key not in meta:
                meta[key] = value
        _log(doc, who, "create", at)


def message_ids(doc: Doc[Any]) -> set[str]:
    return {str(m.get("id")) for m in plain(root_array(doc, "messages"))}


def add_message(
    doc: Doc[Any],
    message: dict[str, Any],
    who: str,
    at: str,
    reopen: bool = True,
    known: set[str] | None = None,
) -> bool:
    """Append an immutable message; False when one with its id is already there.

    ``known`` is the caller's running set of the document's message ids (a bulk
    import adds many messages to one document and need not read them all each time).
    """
    seen = message_ids(doc) if known is None else known
    if str(message["id"]) in seen:
        return False
    if known is not None:
        known.add(str(message["id"]))
    with doc.transaction():
        root_array(doc, "messages").append(message)
        if message.get("delivery"):
            root_map(doc, "delivery")[str(message["id"])] = {"state": message["delivery"], "at": at}
        action = "message_in" if message.get("direction") == "in" else "message_out"
        _log(doc, who, action, at, message.get("kind") if message.get("kind") else None)
        wakes = (
            reopen and message.get("direction") == "in" and message.get("kind") in (None, "message")
        )
        if wakes and (current_status(doc) in ("closed", "pending") or current_snooze(doc)):
            _register(doc, "status", who, "open", at)
            _register(doc, "snooze", who, None, at)
    return True


def set_delivery(
    doc: Doc[Any], message_id: str, state: str, who: str, at: str, detail: str | None = None
) -> None:
    with doc.transaction():
        entry: dict[str, Any] = {"state": state, "at": at}
        if detail:
            entry["detail"] = detail
        root_map(doc, "delivery")[message_id] = entry
        _log(doc, who, f"delivery_{state}", at, detail)


def add_note(doc: Doc[Any], *, body: str, mentions: list[str], who: str, at: str) -> str:
    note_id = new_id()
    with doc.transaction():
        root_array(doc, "notes").append(
            {"id": note_id, "author": who, "body": body, "mentions": mentions, "created_at": at}
        )
        _log(doc, who, "note", at, ", ".join(mentions) if mentions else None)
    return note_id


def add_tag(doc: Doc[Any], tag: str, who: str, at: str) -> bool:
    """Add ``tag``; True when it was not there before.

    Even an add of a present tag writes a fresh entry (replacing the agent's own
    earlier ones), so it survives a concurrent remove: add wins (tags.py).
    """
    entries = root_map(doc, "tags")
    present = tags.keys_of(tag, entries.keys())
    mine = [k for k in present if (entries[k] or {}).get("by") == who]
    with doc.transaction():
        for key in mine:
            del entries[key]
        entries[tags.entry_key(tag, new_id())] = {"tag": tag, "by": who, "at": at}
        if not present:
            _log(doc, who, "tag", at, tag)
    return not present


def remove_tag(doc: Doc[Any], tag: str, who: str, at: str) -> bool:
    entries = root_map(doc, "tags")
    seen = tags.keys_of(tag, entries.keys())
    if not seen:
        return False
    with doc.transaction():
        for key in seen:
            del entries[key]
        _log(doc, who, "untag", at, tag)
    return True


def ownership(doc: Doc[Any]) -> Ownership:
    return claims.resolve(root_map(doc, "claims").to_py() or {})


def _own(doc: Doc[Any], action: str, who: str, at: str, to: str | None) -> None:
    with doc.transaction():
        root_map(doc, "claims")[new_id()] = {"action": action, "by": who, "to": to, "at": at}
        _log(doc, who, action, at, to if action == claims.ASSIGN else None)


def claim(doc: Doc[Any], who: str, at: str) -> Ownership:
    """Write a claim unless ``who`` already holds it; the caller checks the result."""
    before = ownership(doc)
    if before.owner != who:
        _own(doc, claims.CLAIM, who, at, None)
    return ownership(doc)


def assign(doc: Doc[Any], to: str, who: str, at: str) -> bool:
    if ownership(doc).owner == to:
        return False
    _own(doc, claims.ASSIGN, who, at, to)
    return True


def unassign(doc: Doc[Any], who: str, at: str) -> bool:
    if ownership(doc).owner is None:
        return False
    _own(doc, claims.UNASSIGN, who, at, None)
    return True


def current_status(doc: Doc[Any]) -> str:
    from crdt import registers

    return str(registers.resolve(root_map(doc, "status").to_py() or {}, "open"))


def current_snooze(doc: Doc[Any]) -> str | None:
    from crdt import registers

    value = registers.resolve(root_map(doc, "snooze").to_py() or {}, None)
    return str(value) if value else None


def set_status(doc: Doc[Any], status: str, who: str, at: str) -> bool:
    if status not in STATUSES:
        raise UsageError(f"unknown status {status!r}: use one of {', '.join(STATUSES[:3])}")
    if current_status(doc) == status and not current_snooze(doc):
        return False
    with doc.transaction():
        _register(doc, "status", who, status, at)
        if current_snooze(doc):
            _register(doc, "snooze", who, None, at)
        _log(doc, who, "status", at, status)
    return True


def snooze(doc: Doc[Any], until: str | None, who: str, at: str) -> bool:
    if current_snooze(doc) == until:
        return False
    with doc.transaction():
        _register(doc, "snooze", who, until, at)
        _log(doc, who, "snooze" if until else "unsnooze", at, until)
    return True


def set_priority(doc: Doc[Any], priority: str, who: str, at: str) -> bool:
    from crdt import registers

    if priority not in PRIORITIES:
        raise UsageError(f"unknown priority {priority!r}: use one of {', '.join(PRIORITIES)}")
    if registers.resolve(root_map(doc, "priority").to_py() or {}, "normal") == priority:
        return False
    with doc.transaction():
        _register(doc, "priority", who, priority, at)
        _log(doc, who, "priority", at, priority)
    return True


def merge_into(source: Doc[Any], target: Doc[Any], who: str, at: str) -> None:
    """Copy the source's messages, notes and tags into the target and close the source.

    Copied items keep their ids, so merging twice (or on two replicas) adds nothing.
    """
    src_id = str(root_map(source, "meta").get("id"))
    dst_id = str(root_map(target, "meta").get("id"))
    if src_id == dst_id:
        raise UsageError("cannot merge a conversation into itself")
    seen_notes = {n.get("id") for n in root_array(target, "notes").to_py() or []}
    delivery = root_map(source, "delivery").to_py() or {}
    with target.transaction():
        for message in root_array(source, "messages").to_py() or []:
            if add_message(target, message, who, at, reopen=False):
                state = delivery.get(str(message["id"]))
                if isinstance(state, dict):  # where it got to, not where it started
                    root_map(target, "delivery")[str(message["id"])] = state
        for note in root_array(source, "notes").to_py() or []:
            if note.get("id") not in seen_notes:
                seen_notes.add(note.get("id"))
                root_array(target, "notes").append(note)
        for tag in tags.current(root_map(source, "tags").to_py() or {}):
            add_tag(target, tag, who, at)
        _log(target, who, "merge_from", at, src_id)
    with source.transaction():
        _register(source, "merged", who, dst_id, at)
        _register(source, "status", who, "closed", at)
        _log(source, who, "merge_into", at, dst_id)
