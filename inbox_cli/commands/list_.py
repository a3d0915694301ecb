"""inbox list"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from crdt.model.vocab import CHANNELS, PRIORITIES, SORTS, STATUS_FILTERS
from inbox_cli.context import Context
from inbox_cli.parsing import add_limit, add_output_flags, example

if TYPE_CHECKING:
    from crdt.replica import Replica


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--status", default="open", choices=STATUS_FILTERS)
    p.add_argument("--assignee", metavar="me|none|AGENT")
    p.add_argument(
        "--tag", action="append", default=[], metavar="T", help="repeatable: all must match"
    )
    p.add_argument("--mailbox", metavar="ADDR")
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--priority", choices=PRIORITIES)
    p.add_argument("--customer", metavar="EMAIL")
    p.add_argument("--query", metavar="TEXT", help="full-text filter")
    p.add_argument(
        "--sla", choices=("breaching", "due", "met"), help="by SLA: overdue, running, all met"
    )
    p.add_argument("--sort", default="updated", choices=SORTS, help="due: the SLA's first")
    add_limit(p)
    add_output_flags(p, nul=True)
    example(
        p,
        "inbox list --status open --assignee none",
        "inbox list --tag refund --json | jq '.[].subject'",
        "inbox list --status open -0 | inbox assign --to dana",
        "inbox list --sla breaching --sort due",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.replica import Filters
    from inbox_cli.commands._conversations import limit, print_page

    replica = ctx.replica
    assignee = args.assignee
    if assignee and assignee != "none":
        assignee = replica.find_agent(assignee)
    filters = Filters(
        status=args.status,
        assignee=assignee,
        tags=args.tag,
        mailbox=args.mailbox,
        channel=args.channel,
        priority=args.priority,
        query=args.query,
        customer=args.customer,
        sort=args.sort,
        sla=args.sla,
        limit=limit(ctx, args.limit),
    )
    page = replica.conversations(filters)
    rows = _with_presence(replica, page.rows)
    print_page(ctx, page._replace(rows=rows), empty="no conversations match")


def _with_presence(replica: Replica, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who else is on each conversation right now (only a replica that syncs can know)."""
    from crdt.sync import presence

    if not presence.shared(replica):
        return rows
    here = presence.by_conversation(replica)
    return [{**row, "presence": here.get(row["id"], [])} for row in rows]
