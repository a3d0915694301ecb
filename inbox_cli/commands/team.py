"""inbox team add|list|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "make a team of agents (adding one that exists replaces its members)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("agents", nargs="+", metavar="AGENT", help="email, handle or 'me'")
    example(add, "inbox team add finance ali@acme.example.com ben@acme.example.com")
    listing = verb("list", "the teams and their members")
    add_output_flags(listing)
    example(listing, "inbox team list --json")
    rm = verb("rm", "remove a team")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox team rm finance")
    example(p, "inbox team add finance ali@acme.example.com ben@acme.example.com")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import routing

    replica = ctx.replica
    if args.verb == "add":
        item = routing.team_add(replica, args.name, args.agents)
        ctx.out.say(f"saved team {args.name}: {', '.join(item['members'])}")
    elif args.verb == "rm":
        routing.remove(replica, "teams", args.name)
        ctx.out.say(f"removed team {args.name}")
    else:
        rows = [
            {"id": n, "name": n, "members": list(t.get("members", []))}
            for n, t in replica.items("teams").items()
        ]
        ctx.out.items(
            rows,
            [("name", "name"), ("members", "members")],
            lambda key, row: ", ".join(row[key]) if key == "members" else str(row[key]),
        )
