"""inbox note"""

from __future__ import annotations

import argparse

from crdt.model.items import handle
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID")
    p.add_argument("-m", "--message", metavar="TEXT")
    p.add_argument("--body-file", metavar="FILE", help="- for stdin")
    add_output_flags(p)
    example(
        p,
        'inbox note 3f2a -m "@dana can you check the invoice?"',
        "git log -1 --format=%B | inbox note 3f2a --body-file -",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    ident = ctx.replica.resolve(args.id)
    text = ctx.body(args.message, args.body_file, "note")
    result = actions.note(ctx.replica, ident, text)
    mentioned = ", ".join(handle(m) for m in result["mentions"])
    ctx.out.obj(result, lambda: [])
    ctx.out.say(f"noted on {ident[:8]}" + (f", mentioning {mentioned}" if mentioned else ""))
    for unknown in result["unknown_mentions"]:
        could = ", ".join(f"@{handle(a)}" for a in unknown["could_mean"])
        ctx.out.warn(
            f"@{unknown['handle']} is no agent of this workspace, so nobody was notified"
            + (f"; did you mean {could}?" if could else "; see `inbox agent list`")
        )
