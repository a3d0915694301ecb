"""inbox agent add|list"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "add a teammate to the workspace (or rename one)")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name", metavar="NAME", help="their display name")
    example(add, "inbox agent add ben@acme.example.com --name 'Ben Okoro'")
    listing = verb("list", "the workspace's agents")
    add_output_flags(listing)
    example(listing, "inbox agent list", "inbox agent list --json | jq -r '.[].email'")
    example(p, "inbox agent add ben@acme.example.com --name 'Ben Okoro'", "inbox agent list")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.model.items import handle

    replica = ctx.replica
    if args.verb == "add":
        email = actions.agent_add(replica, args.email, args.name)
        ctx.out.say(f"added agent {email}")
        return
    rows = [
        {
            "id": e,
            "email": e,
            "name": a.get("name"),
            "handle": handle(e),
            "me": e == replica.agent,
        }
        for e, a in replica.items("agents").items()
    ]
    ctx.out.items(rows, [("handle", "handle"), ("name", "name"), ("email", "email")])
