"""A conversation as a ticket: its number, type, status and custom fields, computed from
ticket entries the same way everywhere.

Making a conversation a ticket, and every later change of its type, status or a field, is
its own entry in the ``ticket`` map, written once by its author under a fresh key and
never edited by a replica::

    {"action": "make", "by", "at", "value": type}
    {"action": "type", "by", "at", "value": type}
    {"action": "status", "by", "at", "value": status}
    {"action": "field", "by", "at", "field": name, "value": text | None}   (None: removed)

The relay stamps each entry with the log position it reached it at (``seq``, as it stamps
ownership entries, claims.py), and the first ``make`` it stamps in a conversation with no
number yet also gets ``number``, the next of the relay's counter. So a ticket's number is
allocated once, by the one writer that orders everything: two replicas making the same
conversation a ticket offline end with one number (the first ``make`` the relay saw), two
conversations never share one, and until the relay has stamped it a ticket is
*tentative* ("#? (tentative)").

The ticket is a fold over the entries in the claims' order (stamped by stamp, then
unstamped by time, author, key): the first ``make`` makes it, a later one changes nothing;
a status move the workflow does not allow from the status reached so far is skipped (two
offline moves can cross), so every replica ends with the same ticket whatever order the
entries arrived in.

Pure: plain values in, a ``Ticket`` out; nothing here touches a document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple

from crdt.errors import ConflictError, UsageError
from crdt.model.claims import order
from crdt.model.vocab import TICKET_STATUSES, TICKET_TYPES

MAKE, TYPE, STATUS, FIELD = "make", "type", "status", "field"
ACTIONS = frozenset({MAKE, TYPE, STATUS, FIELD})
FIRST_STATUS = TICKET_STATUSES[0]
# where each status may go next: forward through the work, back to open while it is not
# done, reopened once solved; closed is final (a follow-up is a new conversation)
MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "in-progress", "waiting", "solved", "closed"}),
    "open": frozenset({"in-progress", "waiting", "solved"}),
    "in-progress": frozenset({"open", "waiting", "solved"}),
    "waiting": frozenset({"open", "in-progress", "solved"}),
    "solved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}
FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")  # a field's name, and a type's
MAX_FIELD_VALUE = 500  # characters of one custom field's value
MAX_FIELDS = 50  # custom fields a ticket may hold


class Ticket(NamedTuple):
    number: int | None  # None until the relay has stamped its first ``make``
    type: str
    status: str
    fields: dict[str, str]
    made_by: str
    made_at: str

    @property
    def tentative(self) -> bool:
        return self.number is None

    def label(self) -> str:
        """'#1042', or '#? (tentative)' before the relay has numbered it."""
        return f"#{self.number}" if self.number is not None else "#? (tentative)"

    def plain(self) -> dict[str, Any]:
        """What the view, the index and ``--json`` hold of it."""
        return {
            "number": self.number,
            "tentative": self.tentative,
            "type": self.type,
            "status": self.status,
            "fields": dict(sorted(self.fields.items())),
            "made_by": self.made_by,
            "made_at": self.made_at,
        }


def is_entry(entry: Any) -> bool:
    """Whether ``entry`` is a ticket entry every replica's fold reads alike."""
    if not isinstance(entry, Mapping) or entry.get("action") not in ACTIONS:
        return False
    if not isinstance(entry.get("by"), str) or not isinstance(entry.get("at"), str):
        return False
    action, value = entry["action"], entry.get("value")
    if action in (MAKE, TYPE):  # any well-formed name: a workspace may add types
        return isinstance(value, str) and FIELD_NAME.fullmatch(value) is not None
    if action == STATUS:
        return value in TICKET_STATUSES
    name = entry.get("field")
    return (
        isinstance(name, str)
        and FIELD_NAME.fullmatch(name) is not None
        and (value is None or (isinstance(value, str) and len(value) <= MAX_FIELD_VALUE))
    )


def _number(entry: Mapping[str, Any]) -> int | None:
    number = entry.get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def resolve(entries: Mapping[str, Any]) -> Ticket | None:
    """The ticket the entries make, or None when nothing made the conversation one."""
    valid = sorted(((k, e) for k, e in entries.items() if is_entry(e)), key=order)
    made = next((e for _, e in valid if e["action"] == MAKE), None)
    if made is None:
        return None
    numbered = [e for _, e in valid if e["action"] == MAKE and _number(e) is not None]
    kind, status = str(made["value"]), FIRST_STATUS
    fields: dict[str, str] = {}
    for _key, entry in valid:
        action, value = entry["action"], entry.get("value")
        if action == TYPE:
            kind = str(value)
        elif action == STATUS and value in MOVES[status]:
            status = str(value)
        elif action == FIELD and value is None:
            fields.pop(str(entry["field"]), None)
        elif action == FIELD and (entry["field"] in fields or len(fields) < MAX_FIELDS):
            fields[str(entry["field"])] = str(value)
    number = _number(numbered[0]) if numbered else None
    return Ticket(number, kind, status, fields, str(made["by"]), str(made["at"]))


def check_move(ticket: Ticket, status: str) -> None:
    """Raise unless the workflow lets ``ticket`` move to ``status`` (the same one is fine:
    the caller writes nothing then)."""
    if status not in TICKET_STATUSES:
        raise UsageError(
            f"unknown ticket status {status!r}: use one of {', '.join(TICKET_STATUSES)}"
        )
    if status == ticket.status or status in MOVES[ticket.status]:
        return
    allowed = ", ".join(s for s in TICKET_STATUSES if s in MOVES[ticket.status]) or "nothing"
    raise ConflictError(
        f"ticket {ticket.label()} is {ticket.status}: it cannot move to {status} "
        f"(from {ticket.status}: {allowed})"
    )


def types(added: Iterable[str] = ()) -> list[str]:
    """The types a ticket may be given: the four defaults, then those the workspace added
    (``ws:ticket_types``, an admin's), sorted."""
    return [*TICKET_TYPES, *sorted(set(added) - set(TICKET_TYPES))]


def check_type(kind: str, allowed: Collection[str] = TICKET_TYPES) -> None:
    if kind not in allowed:
        raise UsageError(
            f"unknown ticket type {kind!r}: use one of {', '.join(allowed)} "
            "(an admin adds more: inbox ticket-type add NAME)"
        )


def check_type_name(name: str) -> None:
    """A type an admin adds: a name as a field's, not one of the defaults."""
    if not FIELD_NAME.fullmatch(name):
        raise UsageError(
            f"a ticket type is a lower-case word of up to 40 letters, digits, - or _ "
            f"(got {name[:60]!r})"
        )
    if name in TICKET_TYPES:
        raise UsageError(f"{name} is a type every workspace has")


def parse_field(text: str) -> tuple[str, str | None]:
    """'order=A-1001' -> ('order', 'A-1001'); 'order=' removes the field."""
    name, sep, value = text.partition("=")
    name = name.strip().lower()
    if not sep or not FIELD_NAME.fullmatch(name):
        raise UsageError(
            f"a field is NAME=VALUE, NAME a lower-case word of up to 40 letters, digits, - or _"
            f" (got {text[:60]!r})"
        )
    if len(value) > MAX_FIELD_VALUE:
        raise UsageError(f"field {name}: a value of up to {MAX_FIELD_VALUE} characters")
    return name, value or None


def fresh(entries: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The relay's part: the entries it has not stamped yet."""
    return {k: dict(e) for k, e in entries.items() if isinstance(e, Mapping) and "seq" not in e}


def stamped(
    entries: Mapping[str, Any], seq: int, next_number: Callable[[], int]
) -> dict[str, dict[str, Any]]:
    """The relay's stamps for the unstamped entries: each gets ``seq``, and when no entry
    holds a number yet the first ``make`` among them (by key: every relay would pick the
    same) gets ``next_number()``. ``next_number`` is called at most once."""
    new = fresh(entries)
    out = {k: {**e, "seq": seq} for k, e in new.items()}
    has_number = any(isinstance(e, Mapping) and _number(e) is not None for e in entries.values())
    makes = sorted(k for k, e in new.items() if is_entry(e) and e["action"] == MAKE)
    if makes and not has_number:
        out[makes[0]]["number"] = int(next_number())
    return out
