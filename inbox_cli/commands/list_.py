"""inbox list"""

from __future__ import annotations

import argparse
from typing import Any

from inbox_cli.context import Context, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "--status", default="open", choices=["open", "pending", "snoozed", "closed", "spam", "all"]
    )
    p.add_argument("--assignee", metavar="me|none|AGENT")
    p.add_argument(
        "--tag", action="append", default=[], metavar="T", help="repeatable: all must match"
    )
    p.add_argument("--mailbox", metavar="ADDR")
    p.add_argument("--channel", choices=["email", "chat"])
    p.add_argument("--priority", choices=["urgent", "high", "normal", "low"])
    p.add_argument("--customer", metavar="EMAIL")
    p.add_argument("--query", metavar="TEXT", help="full-text filter")
    p.add_argument("--sort", default="updated", choices=["updated", "created", "priority", "due"])
    p.add_argument("--limit", type=int, default=50, metavar="N", help="0 for all (default 50)")
    add_output_flags(p, nul=True)
    example(
        p,
        "inbox list --status open --assignee none",
        "inbox list --tag refund --json | jq '.[].subject'",
        "inbox list --status open -0 | inbox assign --to dana",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import clock
    from crdt.queries import Filters, list_conversations
    from inbox_cli.commands._conversations import print_conversations

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
        limit=args.limit or None,
    )
    rows = list_conversations(replica.conn, filters, clock.now_iso())
    print_conversations(ctx, _with_presence(replica, rows))


def _with_presence(replica: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who else is on each conversation right now (only a replica that syncs can know)."""
    from crdt import presence

    if not presence.shared(replica):
        return rows
    here = presence.by_conversation(replica)
    return [{**row, "presence": here.get(row["id"], [])} for row in rows]
