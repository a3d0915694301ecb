"""inbox mailbox add|list|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", choices=["add", "list", "rm"])
    p.add_argument("address", nargs="?", metavar="ADDR")
    p.add_argument("--name", metavar="NAME", help="a display name, e.g. 'Acme Support'")
    add_output_flags(p)
    example(
        p,
        "inbox mailbox add support@acme.example.com --name 'Acme Support'",
        "inbox mailbox list",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.errors import UsageError
    from crdt.replica import check_email

    replica = ctx.replica
    if args.action == "list":
        rows = [
            {"id": a, "address": a, "name": m.get("name")}
            for a, m in replica.items("mailboxes").items()
        ]
        ctx.out.items(rows, [("address", "address"), ("name", "name")])
        return
    if not args.address:
        raise UsageError(f"inbox mailbox {args.action} needs an ADDR")
    address = check_email(args.address)
    if args.action == "rm":
        actions.item_remove(replica, "mailboxes", address)
        ctx.out.say(f"removed mailbox {address}")
        return
    replica.put_item("mailboxes", address, {"address": address, "name": args.name})
    ctx.out.say(f"added mailbox {address}: mail from it counts as ours (outbound)")
