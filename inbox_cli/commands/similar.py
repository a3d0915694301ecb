"""inbox similar"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example

DEFAULT_LIMIT = 5


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a count: {text!r} (1 or more)")
    return int(text)


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID", help="any unique id prefix")
    p.add_argument(
        "--limit",
        type=_positive,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N conversations (default {DEFAULT_LIMIT})",
    )
    add_output_flags(p)
    example(p, "inbox similar 3f2a", "inbox similar 3f2a --limit 10 --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from models.assist.similar import similar

    replica = ctx.replica
    rows, fallback = similar(replica, replica.resolve(args.id), args.limit)
    if fallback:
        ctx.out.warn(f"no embedding model: {fallback}")
    shown = replica.short_ids([r["conversation"] for r in rows]) if ctx.out.tty else {}
    ctx.out.items(
        [{"id": r["conversation"], **r} for r in rows],
        [
            ("id", "conversation"),
            ("score", "score"),
            ("subject", "subject"),
            ("answered", "answered"),
        ],
        lambda name, row: shown.get(row["id"], row["id"]) if name == "id" else str(row[name] or ""),
        shrink=("subject", "answered"),
    )
