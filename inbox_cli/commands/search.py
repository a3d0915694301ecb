"""inbox search"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_limit, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("query", nargs="+", help='words (all must match), "a phrase", prefix*')
    add_limit(p)
    add_output_flags(p, nul=True)
    example(p, 'inbox search "double charge"', "inbox search invoice refund* --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.commands._conversations import limit, print_page

    page = ctx.replica.search(" ".join(args.query), limit(ctx, args.limit))
    print_page(
        ctx,
        page,
        [
            ("id", "id"),
            ("status", "status"),
            ("customer", "customer"),
            ("subject", "subject"),
            ("snippet", "match"),
        ],
        empty="no matches",
    )
