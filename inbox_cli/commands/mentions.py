"""inbox mentions"""

from __future__ import annotations

import argparse

from crdt.model.items import handle
from inbox_cli.context import Context
from inbox_cli.output import ago
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--limit", type=int, default=50, metavar="N", help="0 for all (default 50)")
    add_output_flags(p)
    example(p, "inbox mentions", "INBOX_AGENT=dana inbox mentions --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    rows = ctx.replica.mentions(args.limit or None)
    for row in rows:
        row["id"] = row["conversation"]
        row["when"] = ago(row["created_at"])
        row["from"] = handle(row["author"])
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
