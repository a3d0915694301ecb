"""inbox ticket ID [--type T] [--status S] [--field K=V]... | inbox ticket list"""

from __future__ import annotations

import argparse
from typing import Any

from crdt.model.vocab import TICKET_STATUSES, TICKET_TYPES
from inbox_cli.context import Context
from inbox_cli.parsing import add_limit, add_output_flags, example

CONFIRM_WITHIN = 2.0  # seconds a change waits for the relay to order it (number a new one)
LISTED = ("unsolved", *TICKET_STATUSES, "all")  # `ticket list --status`
COLUMNS = [
    ("number", "ticket"),
    ("id", "id"),
    ("ticket_type", "type"),
    ("ticket_status", "status"),
    ("assignee", "assignee"),
    ("subject", "subject"),
    ("fields", "fields"),
    ("updated_at", "updated"),
]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "target",
        metavar="ID|list",
        help="the conversation (any unique id prefix) to make a ticket or change, "
        "or `list` for the tickets",
    )
    p.add_argument(
        "--type",
        metavar="TYPE",
        help=f"the ticket's type: {', '.join(TICKET_TYPES)} (a new one: question), "
        "or one the workspace added (inbox ticket-type list)",
    )
    p.add_argument(
        "--status",
        metavar="|".join(TICKET_STATUSES),
        help="move it on: new -> open -> in-progress -> waiting -> solved -> closed "
        "(back to open until solved; solved reopens; closed is final). With list: "
        f"only these ({', '.join(LISTED)}; default unsolved)",
    )
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a custom field, repeatable; NAME= removes it",
    )
    add_limit(p)
    add_output_flags(p, nul=True)
    example(
        p,
        "inbox ticket 3f2a --type incident    # ticket #1042; offline #? (tentative) until synced",
        "inbox ticket 3f2a --field order=A-1001 --field plan=pro",
        "inbox ticket 3f2a --status in-progress",
        "inbox ticket list --type incident",
        "inbox ticket list --status all --json | jq '.[].ticket.number'",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    if args.target == "list":
        _list(args, ctx)
        return
    from crdt import ticketing
    from crdt.errors import UsageError

    if args.status is not None and args.status not in TICKET_STATUSES:
        raise UsageError(f"unknown ticket status {args.status!r}: use {', '.join(TICKET_STATUSES)}")
    replica = ctx.replica
    ident = replica.resolve(args.target)
    changed, ticket = ticketing.ticket(replica, ident, args.type, args.status, args.field)
    if changed:  # the relay orders it (and numbers a new one): ask it now, as a claim does
        from relay.client import link

        if link.settle(replica, CONFIRM_WITHIN):
            ticket = replica.conversation(ident)["ticket"]
        if ticket is None:  # dropped: the relay refused it (the notice says why)
            from crdt.errors import RefusedError

            raise RefusedError(f"{ident[:8]}: not made a ticket, the relay refused it")
    for what in changed:
        ctx.out.say(f"{ident[:8]} {_label(ticket)}: {what}")
    if ctx.out.mode == "nul":
        ctx.out.ids([ident])
        return
    found = {"id": ident, "changed": changed, "ticket": ticket}
    ctx.out.obj(found, lambda: [describe(ticket)])


def _label(ticket: dict[str, Any]) -> str:
    return f"#{ticket['number']}" if ticket["number"] is not None else "#? (tentative)"


def describe(ticket: dict[str, Any]) -> str:
    """'#1042 incident in-progress order=A-1001 plan=pro' (`show` prints it too)."""
    fields = " ".join(f"{k}={v}" for k, v in ticket["fields"].items())
    return " ".join(p for p in (_label(ticket), ticket["type"], ticket["status"], fields) if p)


def _list(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import UsageError
    from crdt.replica import Filters
    from inbox_cli.commands._conversations import limit, print_page

    if args.field:
        raise UsageError("--field changes one ticket: inbox ticket ID --field NAME=VALUE")
    status = args.status or "unsolved"
    if status not in LISTED:
        raise UsageError(f"unknown ticket status {status!r}: use one of {', '.join(LISTED)}")
    filters = Filters(
        status="all",
        ticket=True,
        ticket_type=args.type,
        ticket_status=None if status == "all" else status,
        limit=limit(ctx, args.limit),
    )
    page = ctx.replica.conversations(filters)
    if ctx.out.mode == "auto":
        page = page._replace(rows=[_flat(row) for row in page.rows])
    print_page(ctx, page, COLUMNS, empty="no tickets match")


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row for the table: the ticket's parts as columns."""
    ticket = row["ticket"]
    return {
        **row,
        "number": f"#{ticket['number']}" if ticket["number"] is not None else "#?",
        "ticket_type": ticket["type"],
        "ticket_status": ticket["status"],
        "fields": " ".join(f"{k}={v}" for k, v in ticket["fields"].items()),
    }
