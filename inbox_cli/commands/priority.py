"""inbox priority"""

from __future__ import annotations

import argparse

from crdt.model.vocab import PRIORITIES
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("level", choices=PRIORITIES)
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    add_output_flags(p, nul=True)
    example(p, "inbox priority urgent 3f2a", "inbox search outage -0 | inbox priority high")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    ids = ctx.ids(args.ids)
    actions.set_priority(ctx.replica, ids, args.level)
    for ident in ids:
        ctx.out.say(f"{ident[:8]} priority {args.level}")
    ctx.out.ids(ids)
