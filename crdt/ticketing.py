"""What agents do with tickets, over a replica: make or change one (model/tickets.py),
and the workspace's own ticket types (an admin's setting, ``ws:ticket_types``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crdt.errors import NotFoundError
from crdt.model import clock
from crdt.replica import Replica


def ticket(
    replica: Replica,
    ident: str,
    kind: str | None = None,
    status: str | None = None,
    fields: Iterable[str] = (),
) -> tuple[list[str], dict[str, Any]]:
    """Make a conversation a ticket, or change one (model/tickets.py); ``fields`` as
    NAME=VALUE (NAME= removes one). What changed, and the ticket as it is now: its number
    comes when the relay has ordered it."""
    from crdt.model import conversation as conv
    from crdt.model import tickets

    at, given = clock.now_iso(), [tickets.parse_field(text) for text in fields]
    types = tickets.types(replica.items("ticket_types"))
    done = replica.edit(
        ident,
        lambda doc: conv.update_ticket(doc, replica.agent, at, kind, status, given, types),
    )
    return done, replica.conversation(ident)["ticket"]


def ticket_types(replica: Replica) -> list[dict[str, Any]]:
    """Every type a ticket may have: the defaults, then the workspace's own."""
    from crdt.model import tickets

    added = replica.items("ticket_types")
    return [
        {"name": n, "description": (added.get(n) or {}).get("description"), "added": n in added}
        for n in tickets.types(added)
    ]


def ticket_type_add(replica: Replica, name: str, description: str | None) -> dict[str, Any]:
    """A ticket type of the workspace's own (an admin's, as every setting)."""
    from crdt.model import tickets

    tickets.check_type_name(name)
    item = {"name": name, "description": description, "by": replica.agent}
    replica.put_item("ticket_types", name, item)
    return item


def ticket_type_remove(replica: Replica, name: str) -> None:
    """Tickets of the type keep it; no new one is given it."""
    if name not in replica.items("ticket_types"):
        raise NotFoundError(
            f"no ticket type {name!r} of the workspace (see inbox ticket-type list)"
        )
    replica.put_item("ticket_types", name, None)
