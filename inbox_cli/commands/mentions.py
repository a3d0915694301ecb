"""inbox mentions"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, add_output_flags, example
from inbox_cli.output import ago


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--limit", type=int, default=50, metavar="N", help="0 for all (default 50)")
    add_output_flags(p)
    example(p, "inbox mentions", "INBOX_AGENT=dana inbox mentions --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.queries import mentions

    rows = mentions(ctx.replica.conn, ctx.replica.agent, args.limit or None)
    for row in rows:
        row["id"] = row["conversation"]
        row["when"] = ago(row["created_at"])
        row["from"] = row["author"].split("@")[0]
    ctx.out.items(
        rows,
        [
            ("conversation", "conversation"),
            ("when", "when"),
            ("from", "from"),
            ("subject", "subject"),
            ("body", "note"),
        ],
        lambda f, r: str(r[f])[:8] if f == "conversation" else str(r[f]).replace("\n", " ")[:60],
    )
