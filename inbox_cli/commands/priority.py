"""inbox priority"""

from __future__ import annotations

import argparse

from crdt.model.vocab import PRIORITIES
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, word_among


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "ids",
        nargs="+",
        metavar="LEVEL|ID",
        help=f"the level ({', '.join(PRIORITIES)}) and id prefixes, in either order "
        "(ids from stdin when none are given)",
    )
    add_output_flags(p, nul=True)
    example(
        p,
        "inbox priority 3f2a urgent",
        "inbox priority urgent 3f2a",
        "inbox search outage -0 | inbox priority high",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    level, words = word_among(args.ids, PRIORITIES, "inbox priority ID... LEVEL")
    ids = ctx.ids(words)
    actions.set_priority(ctx.replica, ids, level)
    for ident in ids:
        ctx.out.say(f"{ident[:8]} priority {level}")
    ctx.out.ids(ids)
