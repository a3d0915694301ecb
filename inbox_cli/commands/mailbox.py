"""inbox mailbox add|list|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "a shared address of the workspace: mail from it counts as ours")
    add.add_argument("address", metavar="ADDR")
    add.add_argument("--name", metavar="NAME", help="a display name, e.g. 'Acme Support'")
    add.add_argument("--signature-file", metavar="FILE", help="the signature of its replies")
    add.add_argument(
        "--triage",
        choices=("on", "off"),
        help="on: the mail gateway triages each new conversation of it as it arrives (admin)",
    )
    example(
        add,
        "inbox mailbox add support@acme.example.com --name 'Acme Support'",
        "inbox mailbox add billing@acme.example.com --signature-file sig.txt",
        "inbox mailbox add support@acme.example.com --triage on",
    )
    listing = verb("list", "the workspace's shared addresses")
    add_output_flags(listing)
    example(listing, "inbox mailbox list")
    rm = verb("rm", "remove a shared address")
    rm.add_argument("address", metavar="ADDR")
    example(rm, "inbox mailbox rm info@acme.example.com")
    example(p, "inbox mailbox add support@acme.example.com --name 'Acme Support'")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    replica = ctx.replica
    if args.verb == "list":
        rows = [
            {
                "id": a,
                "address": a,
                "name": m.get("name"),
                "signature": m.get("signature"),
                "triage": bool(m.get("triage")),
            }
            for a, m in replica.items("mailboxes").items()
        ]
        ctx.out.items(rows, [("address", "address"), ("name", "name")])
    elif args.verb == "rm":
        address = actions.mailbox_remove(replica, args.address)
        ctx.out.say(f"removed mailbox {address}")
    else:
        signature = None
        if args.signature_file is not None:
            signature = ctx.given_body(None, args.signature_file)
        triage = None if args.triage is None else args.triage == "on"
        address = actions.mailbox_add(replica, args.address, args.name, signature, triage)
        ctx.out.say(f"added mailbox {address}: mail from it counts as ours (outbound)")
        if triage is not None:
            ctx.out.say(f"triage on arrival: {args.triage} (the mail gateway, after a sync)")
