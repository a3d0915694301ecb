"""inbox tag"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    p.add_argument("--add", action="append", default=[], metavar="T")
    p.add_argument("--remove", action="append", default=[], metavar="T")
    add_output_flags(p, nul=True)
    example(
        p,
        "inbox tag 3f2a --add refund --remove triage",
        "inbox search invoice -0 | inbox tag --add billing",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    ids = ctx.ids(args.ids)
    outcome = actions.tag(ctx.replica, ids, args.add, args.remove)
    for ident in outcome.changed:
        ctx.out.say(f"tagged {ident[:8]}")
    ctx.out.ids(ids)
