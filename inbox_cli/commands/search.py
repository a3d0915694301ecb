"""inbox search"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("query", nargs="+", help='words (all must match), "a phrase", prefix*')
    p.add_argument("--limit", type=int, default=50, metavar="N", help="0 for all (default 50)")
    add_output_flags(p, nul=True)
    example(p, 'inbox search "double charge"', "inbox search invoice refund* --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.commands._conversations import print_conversations

    rows = ctx.replica.search(" ".join(args.query), args.limit or None)
    print_conversations(
        ctx,
        rows,
        [
            ("id", "id"),
            ("status", "status"),
            ("customer", "customer"),
            ("subject", "subject"),
            ("snippet", "match"),
        ],
    )
