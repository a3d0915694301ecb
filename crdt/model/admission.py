"""What one agent's change may do to a document: the relay's rules, checked on the
document as it was and as the change leaves it, before anything is stored or passed on.

The relay knows which agent each socket's token speaks for; a replica does not prove
anything of itself. So every field that says who did something is checked against the
token here, and a change that says another agent did it is refused whole:

- notes (``author``), replies (``author``), ownership entries (``by``), tags (``by``),
  registers (keyed by agent), workspace items (keyed by agent) and activity (``who``)
  name the sender; ownership entries never carry a relay stamp (``seq``), which only the
  relay writes, after this check.
- ticket entries (``by``) likewise: written once, by their author, of the shape the fold
  reads (model/tickets.py), with neither a stamp nor a ticket ``number``, which only the
  relay gives.
- what comes from outside is exempt only as far as it mirrors a message: the arrival of
  imported mail, and the status an import gives it, may name the mail's sender, as the mail
  does (a mail's ``From`` is what the mail says; docs/architecture.md, "Threat model").
- a merge copies the source's notes and replies with their authors: each copy must be
  in the source conversation as it is at the relay.
- messages, notes and activity are append-only; ownership entries are written once;
  a conversation keeps its ``meta`` (its id names the document).
- a rule's firing record names its evaluator (``by``), and stays once written.
- workspace settings (agents, teams, mailboxes, saved replies, macros, rules, SLA
  policies) are an admin's;
  an agent may add itself to the agent list once. A viewer writes nothing.

Pure: plain values in (``ydoc.Doc.to_py``), ``RefusedError`` out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from crdt.errors import RefusedError
from crdt.model import firings, tickets, triage
from crdt.model.claims import ACTIONS
from crdt.model.vocab import (
    ADMIN,
    AGENT,
    CONVERSATION_ARRAYS,
    CONVERSATION_MAPS,
    CONVERSATION_PREFIX,
    ROLES,
    VIEWER,
    WORKSPACE_KINDS,
    WORKSPACE_PREFIX,
)

__all__ = ["ADMIN", "AGENT", "ROLES", "VIEWER", "Author", "check", "roots"]

REGISTERS = (
    *("status", "priority", "snooze", "sentiment", "category", "triage", "merged", "drafts"),
    "sla",
)
# what an imported mail does in its sender's name: its arrival, and an import marking it spam,
# reopening what it answers or recording a bounce (store/import_queue.py)
MIRRORS = frozenset({"create", "message_in", "message_out", "delivery_bounced"})
MIRRORED_REGISTERS = frozenset({("status", "open"), ("status", "spam"), ("snooze", None)})
UNKNOWN_SENDER = "unknown"
TICKET_KEYS = frozenset({"action", "by", "at", "value", "field", "seq", "number"})
SEP = "\x1f"

Plain = dict[str, Any]
Lookup = Callable[[str], Plain]  # another document's plain values, as the relay holds it


class Author(NamedTuple):
    """Who sent a change, as the relay knows it from the socket's token."""

    agent: str
    role: str


def roots(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The map and array roots a document of this name may hold."""
    if name.startswith(CONVERSATION_PREFIX):
        return CONVERSATION_MAPS, CONVERSATION_ARRAYS
    return ("items",), ()


def check(
    name: str, before: Plain, after: Plain, extra_roots: Iterable[str], by: Author, lookup: Lookup
) -> None:
    """Raise ``RefusedError`` unless ``by`` may change document ``name`` from ``before``
    to ``after``; ``extra_roots``: roots the change brought that the schema lacks."""
    if by.role == VIEWER:
        raise RefusedError("a viewer's token writes nothing")
    unknown = sorted(extra_roots)
    if unknown:
        raise RefusedError(f"{name} has no root {unknown[0][:40]!r}")
    if name.startswith(CONVERSATION_PREFIX):
        _conversation(name[len(CONVERSATION_PREFIX) :], before, after, by.agent, lookup)
    elif name.startswith(WORKSPACE_PREFIX) and name[len(WORKSPACE_PREFIX) :] in WORKSPACE_KINDS:
        _workspace(name[len(WORKSPACE_PREFIX) :], before["items"], after["items"], by)
    else:
        raise RefusedError(f"{name[:40]!r} is not a document of the workspace")


# -- conversations ---------------------------------------------------------------------------


def _conversation(ident: str, before: Plain, after: Plain, me: str, lookup: Lookup) -> None:
    _meta(ident, before["meta"], after["meta"])
    messages = _appended("messages", before["messages"], after["messages"])
    notes = _appended("notes", before["notes"], after["notes"])
    activity = _appended("activity", before["activity"], after["activity"])
    copied = _copied_from(activity, me, lookup)
    for message in messages:
        _message(message, {str(m.get("id")) for m in before["messages"]})
        _authored(message, "author", me, copied, "a reply", optional=True)
    for note in notes:
        _shape("note", note)
        _authored(note, "author", me, copied, "a note")
    senders = _senders(after["messages"])
    _activity(activity, senders, me)
    _claims(before["claims"], after["claims"], me)
    _tickets(before["ticket"], after["ticket"], me)
    _tags(before["tags"], after["tags"], me)
    for register in REGISTERS:
        _register(register, before[register], after[register], senders, me)
    _labels(before, after)
    _firings(before["rules"], after["rules"], me)
    for key in _changed(before["delivery"], after["delivery"]):
        if key in after["delivery"] and not _is_entry(after["delivery"][key], "state"):
            raise RefusedError(f"delivery of {key[:40]!r} is not a delivery state")


def _meta(ident: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Set once: a conversation is what it was made as, and its id names its document."""
    _shape("meta", after)
    if after.get("id") not in (None, ident):
        raise RefusedError(f"conversation {ident} would name another ({str(after['id'])[:40]})")
    for key, value in before.items():
        if key not in after:
            raise RefusedError(f"removes meta.{key[:40]} of conversation {ident}")
        if key != "id" and after[key] != value:
            raise RefusedError(f"changes meta.{key[:40]} of conversation {ident}")


def _appended(root: str, before: list[Any], after: list[Any]) -> list[Any]:
    """What was added to an append-only array; removing anything is refused.

    The entries there before keep their order (a CRDT array inserts, it never moves), so
    one walk matches them: each a comparison of two dicts, no encoding."""
    if before is after:
        return []
    new, have = [], 0
    for value in after:
        if have < len(before) and value == before[have]:
            have += 1
        elif not isinstance(value, dict):
            raise RefusedError(f"{root} holds a {type(value).__name__}, not an entry")
        else:
            new.append(value)
    if have < len(before):
        raise RefusedError(f"removes from {root}, which is append-only")
    return new


# the fields every replica's code reads of an entry: (types, required)
TEXT, LIST = (str,), (list,)
OPTIONAL_TEXT = (str, type(None))
SHAPES: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "meta": {
        "id": (TEXT, False),
        "subject": (TEXT, False),
        "channel": (TEXT, False),
        "mailbox": (OPTIONAL_TEXT, False),
        "customer": (OPTIONAL_TEXT, False),
        "customer_name": (OPTIONAL_TEXT, False),
        "created_at": (TEXT, False),
    },
    "message": {
        "id": (TEXT, True),
        "created_at": (TEXT, True),
        "direction": (OPTIONAL_TEXT, False),
        "from": (OPTIONAL_TEXT, False),
        "author": (OPTIONAL_TEXT, False),
        "to": (LIST, False),
        "cc": (LIST, False),
        "subject": (OPTIONAL_TEXT, False),
        "body": (OPTIONAL_TEXT, False),
        "kind": (OPTIONAL_TEXT, False),
        "message_id": (OPTIONAL_TEXT, False),
        "warnings": (LIST, False),
    },
    "note": {
        "id": (TEXT, True),
        "author": (TEXT, True),
        "body": (TEXT, True),
        "created_at": (TEXT, True),
        "mentions": (LIST, False),
    },
    "activity": {"who": (TEXT, True), "action": (TEXT, True), "at": (TEXT, True)},
}


def _shape(kind: str, entry: Mapping[str, Any]) -> None:
    """What the views, the index and the commands read of an entry is there and typed."""
    for field, (types, required) in SHAPES[kind].items():
        if field not in entry:
            if required:
                raise RefusedError(f"a {kind} without {field}")
            continue
        if not isinstance(entry[field], types):
            raise RefusedError(f"a {kind} whose {field} is a {type(entry[field]).__name__}")
        if types == LIST and not all(isinstance(v, str) for v in entry[field]):
            raise RefusedError(f"a {kind} whose {field} is not a list of text")


def _message(message: Mapping[str, Any], known: set[str]) -> None:
    _shape("message", message)
    ident = message["id"]
    if ident in known:
        raise RefusedError(f"a second message with id {ident[:40]}")
    if message.get("direction") not in (None, "in", "out"):
        raise RefusedError(f"message {ident[:40]} has no direction in or out")


def _copied_from(activity: list[Any], me: str, lookup: Lookup) -> set[str]:
    """The canonical text of every note and message of the conversations that this
    change's own ``merge_from`` entries name: what a merge may copy with its author."""
    out: set[str] = set()
    for entry in activity:
        if entry.get("action") == "merge_from" and entry.get("who") == me:
            source = lookup(CONVERSATION_PREFIX + str(entry.get("detail", "")))
            for item in [*source.get("messages", []), *source.get("notes", [])]:
                out.add(_canonical(item))
    return out


def _authored(
    item: Mapping[str, Any],
    field: str,
    me: str,
    copied: set[str],
    what: str,
    optional: bool = False,
) -> None:
    author = item.get(field)
    if author == me or (optional and author is None) or _canonical(item) in copied:
        return
    raise RefusedError(f"{what} signed {str(author)[:80]!r} by {me}'s token")


def _senders(messages: list[Any]) -> set[Any]:
    """Who the imported mail of a conversation is from (a reply has an ``author``)."""
    found = {m.get("from") for m in messages if isinstance(m, dict) and not m.get("author")}
    return found | {UNKNOWN_SENDER}


def _activity(entries: list[Any], senders: set[Any], me: str) -> None:
    for entry in entries:
        _shape("activity", entry)
        who, action = entry["who"], entry["action"]
        if who == me or (who in senders and _mirrors(action, entry.get("detail"))):
            continue
        raise RefusedError(f"activity {action[:40]!r} signed {str(who)[:80]!r}")


def _mirrors(action: str, detail: Any) -> bool:
    return action in MIRRORS or (action == "status" and detail == "spam")


def _register(
    name: str, before: Mapping[str, Any], after: Mapping[str, Any], senders: set[Any], me: str
) -> None:
    """Each agent writes its own entry; an import writes what a mail did in its sender's."""
    for key in _changed(before, after):
        entry = after.get(key)
        if key in after and not _is_entry(entry, "at"):
            raise RefusedError(f"{name} entry of {key[:80]!r} is not a register entry")
        mirrored = (
            key in senders and entry is not None and (name, entry.get("v")) in MIRRORED_REGISTERS
        )
        if key != me and not mirrored:
            raise RefusedError(f"{name} written for {key[:80]!r}, not by its author")


def _labels(before: Plain, after: Plain) -> None:
    """Labels are words of the vocabulary, and a suggestion is whole (model/triage.py)."""
    for field in triage.FIELDS:
        for key in _changed(before[field], after[field]):
            value = (after[field].get(key) or {}).get("v")
            if key in after[field] and value not in triage.CHOICES[field]:
                raise RefusedError(f"{field} {str(value)[:40]!r} is not one of its labels")
    for key in _changed(before["triage"], after["triage"]):
        if key in after["triage"] and not triage.is_suggestion(after["triage"][key].get("v")):
            raise RefusedError("a triage entry that is not a whole suggestion")


def _firings(before: Mapping[str, Any], after: Mapping[str, Any], me: str) -> None:
    """A rule's firing record is whole and its evaluator's; records stay (firings.py: a
    concurrent one may take a key's place, never an empty one)."""
    for key in _changed(before, after):
        if key not in after:
            raise RefusedError("removes a rule's firing, which stays")
        if not firings.is_record(after[key], key):
            raise RefusedError(f"a rule firing {key[:40]!r} that is not a whole record")
        if after[key]["by"] != me:
            raise RefusedError(f"a rule firing signed {str(after[key]['by'])[:80]!r}")


def _claims(before: Mapping[str, Any], after: Mapping[str, Any], me: str) -> None:
    """Ownership entries are written once, by their author, and stamped only by the relay."""
    for key in _changed(before, after):
        if key in before:
            raise RefusedError("changes an ownership entry, which is written once")
        entry = after[key]
        if not isinstance(entry, dict) or entry.get("action") not in ACTIONS:
            raise RefusedError("an ownership entry that is not a claim, assign or unassign")
        if entry.get("by") != me:
            raise RefusedError(f"a {entry['action']} signed {str(entry.get('by'))[:80]!r}")
        if "seq" in entry:
            raise RefusedError("an ownership entry stamped by a replica: only the relay stamps")


def _tickets(before: Mapping[str, Any], after: Mapping[str, Any], me: str) -> None:
    """Ticket entries are written once, by their author; stamps and numbers are the
    relay's alone, so a replica cannot give itself a number (or take another's)."""
    for key in _changed(before, after):
        if key not in after or key in before:
            raise RefusedError("changes a ticket entry, which is written once")
        entry = after[key]
        if not tickets.is_entry(entry) or not set(entry) <= TICKET_KEYS:
            raise RefusedError(f"a ticket entry {key[:40]!r} that is not a ticket change")
        if entry["by"] != me:
            raise RefusedError(f"a ticket change signed {str(entry['by'])[:80]!r}")
        if "seq" in entry or "number" in entry:
            raise RefusedError("a ticket entry stamped or numbered by a replica: only the relay")


def _tags(before: Mapping[str, Any], after: Mapping[str, Any], me: str) -> None:
    """Anyone may remove a tag (its entries go); an added entry is its author's."""
    for key in _changed(before, after):
        if key not in after:
            continue
        entry = after[key]
        if key in before:
            raise RefusedError("changes a tag entry, which is written once")
        if not isinstance(entry, dict) or key.split(SEP, 1)[0] != entry.get("tag"):
            raise RefusedError(f"a tag entry {key[:40]!r} that is not a tag")
        if entry.get("by") != me:
            raise RefusedError(f"a tag signed {str(entry.get('by'))[:80]!r}")


# -- workspace documents ---------------------------------------------------------------------


def _workspace(kind: str, before: Mapping[str, Any], after: Mapping[str, Any], by: Author) -> None:
    for key in _changed(before, after):
        item, _, agent = key.partition(SEP)
        if agent != by.agent:
            raise RefusedError(f"{kind} entry written for {agent[:80]!r}, not by its author")
        entry = after.get(key)
        if entry is not None and not _is_entry(entry, "at"):
            raise RefusedError(f"{kind} entry {item[:40]!r} is not a workspace item")
        if by.role != ADMIN and not _joins(kind, item, before, by.agent):
            raise RefusedError(f"only an admin changes the workspace's {kind}")


def _joins(kind: str, item: str, before: Mapping[str, Any], me: str) -> bool:
    """An agent's first entry of itself in the agent list (a replica joining)."""
    return kind == "agents" and item == me and not any(k.startswith(me + SEP) for k in before)


# -- plain values ----------------------------------------------------------------------------


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    if before is after:
        return set()
    keys = set(before) | set(after)
    return {k for k in keys if k not in before or k not in after or before[k] != after[k]}


def _is_entry(value: Any, field: str) -> bool:
    return isinstance(value, dict) and field in value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
