"""inbox init"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--workspace", default="inbox", metavar="NAME")
    p.add_argument("--agent", required=True, metavar="EMAIL", help="you: the agent of this replica")
    p.add_argument("--name", metavar="NAME", help="your display name")
    example(p, "inbox init --workspace acme --agent dana@acme.example.com --name 'Dana Whitfield'")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.replica import Replica

    replica = Replica.create(ctx.home, workspace=args.workspace, agent=args.agent, name=args.name)
    replica.close()
    ctx.out.say(f"created workspace {args.workspace!r} in {ctx.home} as {replica.agent}")
