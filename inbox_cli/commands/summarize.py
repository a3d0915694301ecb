"""inbox summarize"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID", help="any unique id prefix")
    add_output_flags(p)
    example(p, "inbox summarize 3f2a", "inbox summarize 3f2a --json | jq .open")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from models.assist.summary import summarize

    replica = ctx.replica
    summary = summarize(replica.conversation(replica.resolve(args.id)))
    ctx.out.obj(summary.as_dict(), summary.lines)
    for flag in summary.flags:
        ctx.out.warn(f"{flag.rule}: {', '.join(flag.items)}")
