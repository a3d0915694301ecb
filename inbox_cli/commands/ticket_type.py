"""inbox ticket-type add|list|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "a ticket type of the workspace's own (admin), beside the four")
    add.add_argument("name", metavar="NAME", help="a lower-case word: letters, digits, - or _")
    add.add_argument("--description", metavar="TEXT", help="what it is for")
    example(add, "inbox ticket-type add refund-request --description 'money back asked for'")
    listing = verb("list", "every type a ticket may have: the four, then the workspace's")
    add_output_flags(listing)
    example(listing, "inbox ticket-type list", "inbox ticket-type list --json")
    rm = verb("rm", "remove a type of the workspace's (tickets of it keep it)")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox ticket-type rm refund-request")
    example(p, "inbox ticket-type add refund-request", "inbox ticket 3f2a --type refund-request")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import ticketing

    replica = ctx.replica
    if args.verb == "add":
        ticketing.ticket_type_add(replica, args.name, args.description)
        ctx.out.say(f"saved ticket type {args.name}")
    elif args.verb == "rm":
        ticketing.ticket_type_remove(replica, args.name)
        ctx.out.say(f"removed ticket type {args.name}")
    else:
        rows = [{"id": t["name"], **t} for t in ticketing.ticket_types(replica)]
        ctx.out.items(
            rows,
            [("name", "name"), ("description", "description"), ("added", "workspace")],
            lambda key, row: ("yes" if row[key] else "") if key == "added" else str(row[key] or ""),
        )
