"""inbox claim"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    add_output_flags(p, nul=True)
    example(p, "inbox claim 3f2a", "inbox list --assignee none -0 | inbox claim")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    ids = ctx.ids(args.ids)
    outcome = actions.claim(ctx.replica, ids)
    for ident in outcome.changed:
        ctx.out.say(f"claimed {ident[:8]}")
    for ident in outcome.unchanged:
        ctx.out.say(f"{ident[:8]} is already yours")
    ctx.out.ids(ids)
