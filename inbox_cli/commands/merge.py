"""inbox merge"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="+", metavar="ID", help="conversations to fold in")
    p.add_argument("--into", required=True, metavar="ID", help="the conversation that stays")
    example(p, "inbox merge 9c1e --into 3f2a")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    target = ctx.replica.resolve(args.into)
    sources = [ctx.replica.resolve(i) for i in args.ids]
    actions.merge(ctx.replica, sources, target)
    for ident in sources:
        ctx.out.say(f"merged {ident[:8]} into {target[:8]}")
