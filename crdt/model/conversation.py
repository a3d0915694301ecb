"""A conversation as a Yjs document, and every operation on it.

Roots (all created on first use, so documents made on different replicas merge):

    meta       Map    id, subject, channel, mailbox, customer, customer_name, created_at
    messages   Array  immutable dicts: inbound/outbound email or chat
    delivery   Map    message id -> {"state", "at", "detail"} (queued, sent, bounced ...)
    notes      Array  immutable dicts: internal notes with @mentions
    tags       Map    add-wins set (see tags.py)
    claims     Map    ownership entries (see claims.py)
    status, priority, snooze, sentiment, category, merged
               Map    registers: one entry per agent, latest wins (see registers.py)
    triage     Map    model suggestions, one register entry per writer (see triage.py)
    sla        Map    register: the SLA policy a rule gave the conversation
    ticket     Map    ticket entries: made one, its type, status, fields (see tickets.py)
    rules      Map    "<rule>\x1f<message id>" -> the firing of that rule (see firings.py)
    drafts     Map    one entry per agent: {"v": {"started_at"} | None, "at"}, a reply
                      that agent has begun and not sent (the draft's text stays on its
                      replica; teammates see that it exists)
    activity   Array  append-only {"who", "action", "at", "detail"}

Each operation changes the document in one transaction and appends its
activity entry; the caller stores the resulting update.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from crdt.errors import UsageError
from crdt.model import claims, tags
from crdt.model.claims import Ownership
from crdt.model.ids import new_id
from crdt.model.vocab import (
    CHANNELS,
    CONVERSATION_ARRAYS,
    CONVERSATION_MAPS,
    DEFAULT_PRIORITY,
    SETTABLE_STATUSES,
    STATUSES,
    TICKET_TYPES,
)
from crdt.model.ydoc import Doc

if TYPE_CHECKING:
    from crdt.model.tickets import Ticket

MAP_ROOTS, ARRAY_ROOTS = CONVERSATION_MAPS, CONVERSATION_ARRAYS


def _log(doc: Doc, who: str, action: str, at: str, detail: str | None = None, **extra: str) -> None:
    entry: dict[str, Any] = {"who": who, "action": action, "at": at, **extra}
    if detail:
        entry["detail"] = detail
    doc.array("activity").append(entry)


def _register(doc: Doc, name: str, who: str, value: Any, at: str, **extra: str) -> None:
    doc.map(name)[who] = {"v": value, "at": at, **extra}


def _standing(doc: Doc, name: str) -> dict[str, Any]:
    """A map's entries without those of a rule's firing that lost (firings.py)."""
    from crdt.model import firings

    entries = doc.map(name).to_py()
    if not len(doc.map("rules")):
        return entries
    return firings.kept(entries, firings.live(doc.map("rules").to_py()))


def create(
    doc: Doc,
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
        meta = doc.map("meta")
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


def repair_id(doc: Doc, conversation_id: str) -> bool:
    """Name the document by the conversation it is stored as; True when it said otherwise.

    An import before schema 5 could build a conversation's document from another one's
    queued ``create`` (a reply imported before what it answers), so its ``meta.id`` named
    that other conversation and a reindex lost one of the two."""
    meta = doc.map("meta")
    if meta.get("id") in (None, conversation_id):
        return False
    meta["id"] = conversation_id
    return True


def message_ids(doc: Doc) -> set[str]:
    return {str(m.get("id")) for m in doc.array("messages").to_py()}


def add_message(
    doc: Doc,
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
        doc.array("messages").append(message)
        if message.get("delivery"):
            doc.map("delivery")[str(message["id"])] = {"state": message["delivery"], "at": at}
        action = "message_in" if message.get("direction") == "in" else "message_out"
        _log(doc, who, action, at, message.get("kind") if message.get("kind") else None)
        wakes = (
            reopen and message.get("direction") == "in" and message.get("kind") in (None, "message")
        )
        if wakes and _asleep(doc):
            _register(doc, "status", who, "open", at)
            _register(doc, "snooze", who, None, at)
    return True


def _asleep(doc: Doc) -> bool:
    """Closed, pending or snoozed; most documents never had a status or snooze set, and
    an import asks this for every inbound mail, so empty registers are seen first."""
    if not len(doc.map("status")) and not len(doc.map("snooze")):
        return False
    return current_status(doc) in ("closed", "pending") or current_snooze(doc) is not None


def set_delivery(
    doc: Doc,
    message_id: str,
    state: str,
    who: str,
    at: str,
    detail: str | None = None,
    via: str | None = None,
) -> None:
    """``via``: the mailbox a chat reply is emailed from once the relay handed it to
    email (the visitor left without reading it); once given it stays, so the reply's
    Message-ID stays known and no later state sends it by chat as well."""
    with doc.transaction():
        entry: dict[str, Any] = {"state": state, "at": at}
        if detail:
            entry["detail"] = detail
        before = doc.map("delivery").get(message_id)
        kept = before.get("via") if isinstance(before, dict) else None
        if via or kept:
            entry["via"] = via or kept
        doc.map("delivery")[message_id] = entry
        _log(doc, who, f"delivery_{state}", at, detail)


def add_note(doc: Doc, *, body: str, mentions: list[str], who: str, at: str) -> str:
    note_id = new_id()
    with doc.transaction():
        doc.array("notes").append(
            {"id": note_id, "author": who, "body": body, "mentions": mentions, "created_at": at}
        )
        _log(doc, who, "note", at, ", ".join(mentions) if mentions else None)
    return note_id


def add_tag(doc: Doc, tag: str, who: str, at: str) -> bool:
    """Add ``tag``; True when it was not there before.

    Even an add of a present tag writes a fresh entry (replacing the agent's own
    earlier ones), so it survives a concurrent remove: add wins (tags.py).
    """
    entries = doc.map("tags")
    present = tags.keys_of(tag, entries.keys())
    mine = [k for k in present if (entries[k] or {}).get("by") == who]
    with doc.transaction():
        for key in mine:
            del entries[key]
        entries[tags.entry_key(tag, new_id())] = {"tag": tag, "by": who, "at": at}
        if not present:
            _log(doc, who, "tag", at, tag)
    return not present


def remove_tag(doc: Doc, tag: str, who: str, at: str) -> bool:
    entries = doc.map("tags")
    seen = tags.keys_of(tag, entries.keys())
    if not seen:
        return False
    with doc.transaction():
        for key in seen:
            del entries[key]
        _log(doc, who, "untag", at, tag)
    return True


def ownership(doc: Doc) -> Ownership:
    return claims.resolve(_standing(doc, "claims"))


def _own(doc: Doc, action: str, who: str, at: str, to: str | None) -> None:
    with doc.transaction():
        doc.map("claims")[new_id()] = {"action": action, "by": who, "to": to, "at": at}
        _log(doc, who, action, at, to if action == claims.ASSIGN else None)


def stamp_claims(doc: Doc, seq: int) -> int:
    """The relay's part: number ownership entries in the order they reached it (claims.py).
    Returns how many were stamped; an entry is stamped once and never again."""
    entries = doc.map("claims")
    fresh = {k: e for k, e in entries.to_py().items() if isinstance(e, dict) and "seq" not in e}
    with doc.transaction():
        for key, entry in fresh.items():
            entries[key] = {**entry, "seq": seq}
    return len(fresh)


def stamp(doc: Doc, seq: int, next_number: Callable[[], int]) -> int:
    """The relay's part, after it has logged a change at ``seq``: its ownership entries
    and ticket entries stamped with ``seq``, and a ticket made here for the first time
    numbered with ``next_number()`` (tickets.py). Returns how many entries it stamped."""
    from crdt.model import tickets

    done = stamp_claims(doc, seq)
    entries = doc.map("ticket")
    if not len(entries):
        return done
    new = tickets.stamped(entries.to_py(), seq, next_number)
    with doc.transaction():
        for key, entry in new.items():
            entries[key] = entry
    return done + len(new)


def ticket(doc: Doc) -> Ticket | None:
    from crdt.model import tickets

    return tickets.resolve(doc.map("ticket").to_py())


def _ticket_entry(
    doc: Doc, action: str, value: str | None, who: str, at: str, **extra: str
) -> None:
    entry: dict[str, Any] = {"action": action, "by": who, "at": at, "value": value, **extra}
    doc.map("ticket")[new_id()] = entry


def make_ticket(
    doc: Doc, kind: str, who: str, at: str, types: Collection[str] = TICKET_TYPES
) -> bool:
    """Make the conversation a ticket of type ``kind`` (one of ``types``: the workspace's,
    tickets.types); False when it is one already (its number comes from the relay)."""
    from crdt.model import tickets

    tickets.check_type(kind, types)
    if ticket(doc) is not None:
        return False
    with doc.transaction():
        _ticket_entry(doc, tickets.MAKE, kind, who, at)
        _log(doc, who, "ticket", at, kind)
    return True


def update_ticket(
    doc: Doc,
    who: str,
    at: str,
    kind: str | None = None,
    status: str | None = None,
    fields: Sequence[tuple[str, str | None]] = (),
    types: Collection[str] = TICKET_TYPES,
) -> list[str]:
    """`inbox ticket`: make the conversation a ticket (of ``kind``, else the default
    type) unless it is one, then change what else is given; what changed, for people.
    A refused move raises before anything is written (the caller's transaction)."""
    from crdt.model.vocab import DEFAULT_TICKET_TYPE

    done: list[str] = []
    if ticket(doc) is None:
        made = kind or DEFAULT_TICKET_TYPE
        make_ticket(doc, made, who, at, types)
        done.append(f"made a ticket ({made})")
        kind = None
    return done + change_ticket(doc, who, at, kind, status, fields, types)


def change_ticket(
    doc: Doc,
    who: str,
    at: str,
    kind: str | None = None,
    status: str | None = None,
    fields: Sequence[tuple[str, str | None]] = (),
    types: Collection[str] = TICKET_TYPES,
) -> list[str]:
    """Change a ticket's type, status (as the workflow allows: ``ConflictError`` names the
    moves it has) and custom fields, in one transaction; what changed, for people."""
    from crdt.model import tickets

    now = ticket(doc)
    if now is None:
        raise UsageError("not a ticket: `inbox ticket ID --type T` makes it one")
    if kind is not None:
        tickets.check_type(kind, types)
    if status is not None:
        tickets.check_move(now, status)
    given = dict(fields)
    kept = {n: v for n, v in {**now.fields, **given}.items() if v is not None}
    if len(kept) > max(tickets.MAX_FIELDS, len(now.fields)):
        raise UsageError(f"a ticket holds up to {tickets.MAX_FIELDS} fields")
    done: list[str] = []
    with doc.transaction():
        if kind is not None and kind != now.type:
            _ticket_entry(doc, tickets.TYPE, kind, who, at)
            _log(doc, who, "ticket_type", at, kind)
            done.append(f"type {kind}")
        if status is not None and status != now.status:
            _ticket_entry(doc, tickets.STATUS, status, who, at)
            _log(doc, who, "ticket_status", at, status)
            done.append(f"status {status}")
        for name, value in given.items():
            if now.fields.get(name) == value:
                continue
            _ticket_entry(doc, tickets.FIELD, value, who, at, field=name)
            _log(doc, who, "ticket_field", at, f"{name}={value or ''}")
            done.append(f"{name}={value}" if value is not None else f"{name} removed")
    return done


def claim(doc: Doc, who: str, at: str) -> Ownership:
    """Write a claim unless ``who`` already holds it; the caller checks the result."""
    before = ownership(doc)
    if before.owner != who:
        _own(doc, claims.CLAIM, who, at, None)
    return ownership(doc)


def assign(doc: Doc, to: str, who: str, at: str) -> bool:
    if ownership(doc).owner == to:
        return False
    _own(doc, claims.ASSIGN, who, at, to)
    return True


def unassign(doc: Doc, who: str, at: str) -> bool:
    if ownership(doc).owner is None:
        return False
    _own(doc, claims.UNASSIGN, who, at, None)
    return True


def set_draft(doc: Doc, who: str, started_at: str | None, at: str) -> bool:
    """Say that ``who`` has begun a reply (or, with None, no longer has one); False when
    that is what the document says already."""
    entry = doc.map("drafts").get(who)
    value = {"started_at": started_at} if started_at else None
    if (entry or {}).get("v") == value:
        return False
    _register(doc, "drafts", who, value, at)
    return True


def current_status(doc: Doc) -> str:
    from crdt.model import registers

    return str(registers.resolve(_standing(doc, "status"), "open"))


def current_snooze(doc: Doc) -> str | None:
    from crdt.model import registers

    value = registers.resolve(_standing(doc, "snooze"), None)
    return str(value) if value else None


def set_status(doc: Doc, status: str, who: str, at: str) -> bool:
    if status not in STATUSES:
        raise UsageError(f"unknown status {status!r}: use one of {', '.join(SETTABLE_STATUSES)}")
    if current_status(doc) == status and not current_snooze(doc):
        return False
    with doc.transaction():
        _register(doc, "status", who, status, at)
        if current_snooze(doc):
            _register(doc, "snooze", who, None, at)
        _log(doc, who, "status", at, status)
    return True


def snooze(doc: Doc, until: str | None, who: str, at: str) -> bool:
    if current_snooze(doc) == until:
        return False
    with doc.transaction():
        _register(doc, "snooze", who, until, at)
        _log(doc, who, "snooze" if until else "unsnooze", at, until)
    return True


def set_priority(doc: Doc, priority: str, who: str, at: str) -> bool:
    return set_label(doc, "priority", priority, who, at)


def set_label(doc: Doc, field: str, value: str, who: str, at: str) -> bool:
    """An agent's category, priority or sentiment; it wins over any model suggestion, now
    and later (triage.labels). Nothing is written when an agent's value is already this,
    or when nothing is set or suggested and this is the default."""
    from crdt.model import registers, triage

    if field not in triage.FIELDS or value not in triage.CHOICES[field]:
        choices = ", ".join(triage.CHOICES.get(field, ()))
        raise UsageError(f"unknown {field} {value!r}: use one of {choices}")
    entries = _standing(doc, field)
    default = triage.DEFAULTS[field]
    if entries and registers.resolve(entries, default) == value:
        return False
    if not entries and value == default and triage.suggestion(doc.map("triage").to_py()) is None:
        return False
    with doc.transaction():
        _register(doc, field, who, value, at)
        _log(doc, who, field, at, value)
    return True


def suggest(doc: Doc, suggestion: dict[str, Any], who: str, at: str) -> bool:
    """Store a model's labels under its writer's own entry; unchanged labels write nothing."""
    from crdt.model import triage

    if not triage.is_suggestion(suggestion):
        raise UsageError("a triage suggestion needs category, priority, sentiment, confidence")
    entry = doc.map("triage").get(who)
    if isinstance(entry, dict) and entry.get("v") == suggestion:
        return False
    with doc.transaction():
        _register(doc, "triage", who, suggestion, at)
        labels = " ".join(str(suggestion[f]) for f in triage.FIELDS)
        _log(doc, who, "triage", at, labels)
    return True


def merge_into(source: Doc, target: Doc, who: str, at: str) -> None:
    """Copy the source's messages, notes and tags into the target and close the source.

    Copied items keep their ids, so merging twice (or on two replicas) adds nothing.
    """
    src_id = str(source.map("meta").get("id"))
    dst_id = str(target.map("meta").get("id"))
    if src_id == dst_id:
        raise UsageError("cannot merge a conversation into itself")
    seen_notes = {n.get("id") for n in target.array("notes").to_py()}
    delivery = source.map("delivery").to_py()
    with target.transaction():
        for message in source.array("messages").to_py():
            if add_message(target, message, who, at, reopen=False):
                state = delivery.get(str(message["id"]))
                if isinstance(state, dict):  # where it got to, not where it started
                    target.map("delivery")[str(message["id"])] = state
        for note in source.array("notes").to_py():
            if note.get("id") not in seen_notes:
                seen_notes.add(note.get("id"))
                target.array("notes").append(note)
        for tag in tags.current(source.map("tags").to_py()):
            add_tag(target, tag, who, at)
        _log(target, who, "merge_from", at, src_id)
    with source.transaction():
        _register(source, "merged", who, dst_id, at)
        _register(source, "status", who, "closed", at)
        _log(source, who, "merge_into", at, dst_id)


def fired(doc: Doc, rule: str, message: str) -> bool:
    """Whether ``rule`` has fired for ``message`` here (on any replica that synced it)."""
    from crdt.model import firings

    return firings.key(rule, message) in doc.map("rules")


def fire(
    doc: Doc, rule: str, message: str, actions: list[tuple[str, str]], who: str, at: str
) -> bool:
    """Record that ``rule`` fired for ``message`` and do its ``actions`` (("assign", agent),
    ("tag", t), ("priority", p), ("status", s), ("sla", name), ("note", why a part was
    not done)), each entry marked with the firing; False when it fired before."""
    from crdt.model import firings, registers

    if fired(doc, rule, message):
        return False
    firing = new_id()
    via = {"rule": rule, "via": firing}
    done: list[str] = []
    with doc.transaction():
        for kind, value in actions:
            if kind == "assign" and ownership(doc).owner is None:
                entry = {"action": claims.ASSIGN, "by": who, "to": value, "at": at, "via": firing}
                doc.map("claims")[new_id()] = entry
            elif kind == "tag" and value not in tags.current(_standing(doc, "tags")):
                doc.map("tags")[tags.entry_key(value, new_id())] = {
                    "tag": value,
                    "by": who,
                    "at": at,
                    "via": firing,
                }
            elif kind in ("priority", "status", "sla"):
                default = {"priority": DEFAULT_PRIORITY, "status": "open", "sla": None}[kind]
                if registers.resolve(_standing(doc, kind), default) == value:
                    continue
                _register(doc, kind, who, value, at, via=firing)
            elif kind != "note":
                continue
            done.append(f"{kind} {value}")
            _log(doc, who, kind if kind != "note" else "rule", at, value, **via)
        if not done:  # nothing to do: nothing is written, as for an unchanged tag
            return False
        doc.map("rules")[firings.key(rule, message)] = firings.record(
            rule, message, who, at, firing, done
        )
    return True
