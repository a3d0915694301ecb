"""inbox export --format parquet|csv -o PATH [--table conversations|messages|events]"""

from __future__ import annotations

import argparse
from pathlib import Path

from inbox_cli.context import Context
from inbox_cli.parsing import example

TABLES = ("conversations", "messages", "events")  # crdt.analytics.TABLES, without DuckDB


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--format", choices=("parquet", "csv"), required=True, help="file format")
    p.add_argument(
        "-o",
        dest="out",
        required=True,
        metavar="PATH",
        help="a file (one table), or a directory: one file per table",
    )
    p.add_argument("--table", choices=TABLES, help="which table (a file's default: conversations)")
    example(
        p,
        "inbox export --format parquet -o conversations.parquet",
        "inbox export --format csv --table events -o events.csv",
        "mkdir out && inbox export --format parquet -o out/   # all three tables",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import analytics

    for path in analytics.export(ctx.replica, args.format, Path(args.out), args.table):
        ctx.out.say(f"wrote {path}")
