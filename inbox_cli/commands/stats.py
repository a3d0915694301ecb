"""inbox stats [--since WHEN] [--by day|channel|mailbox|tag|agent] [--json] [--html FILE]"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import example

BYS = ("day", "channel", "mailbox", "tag", "agent")  # crdt.analytics.BYS, without DuckDB
COLUMNS = [
    ("key", "key"),
    ("conversations", "conversations"),
    ("open", "open"),
    ("closed", "closed"),
    ("first_response_p50", "1st resp p50"),
    ("first_response_p90", "p90"),
    ("resolution_p50", "resolved p50"),
    ("resolution_p90", "p90"),
]
AGENT_COLUMNS = [
    ("agent", "agent"),
    ("assigned_open", "open now"),
    ("replies", "replies"),
    ("closed", "closed"),
    ("first_response_p50", "1st resp p50"),
]
BAR = 24  # cells of the widest bar on a terminal


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--since", default="30d", metavar="WHEN", help="how far back: 30d, 12h, 2w")
    p.add_argument("--by", choices=BYS, default="day", help="group by (default day)")
    p.add_argument("--json", action="store_true", help="one JSON document (docs/json.md)")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained report with charts")
    p.add_argument(
        "--rebuild", action="store_true", help="build the analytics file anew from the replica"
    )
    example(
        p,
        "inbox stats --since 30d --by day",
        "inbox stats --since 90d --by agent --html report.html",
        "inbox stats --json | jq '.totals.first_response_p50'",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import analytics
    from crdt.errors import UsageError

    try:
        since = analytics.parse_since(args.since)
    except ValueError:
        raise UsageError(f"--since {args.since!r}: give a span such as 30d, 12h, 2w") from None
    figures = analytics.stats(ctx.replica, since, args.by, args.rebuild)
    if args.html:
        analytics.write_report(figures, ctx.replica.workspace, Path(args.html))
        ctx.out.say(f"report written to {args.html}")
    built = figures["built"]
    if built["how"] != "current":
        ctx.out.say(f"analytics: {built['how']} build, {built['conversations']} conversation(s)")
    if ctx.out.mode == "json":
        ctx.out.obj(figures, lambda: [])
        return

    def cell(field: str, row: dict[str, Any]) -> str:
        value = row.get(field)
        if field.endswith(("_p50", "_p90")):
            return analytics.duration(value)
        return "" if value is None else str(value)

    if ctx.out.table:
        _chart(ctx, figures)
    ctx.out.items(figures["groups"], COLUMNS, cell)
    if ctx.out.table:
        ctx.out.line("")
        ctx.out.items(figures["agents"], AGENT_COLUMNS, cell)
        for note in figures["notes"]:
            ctx.out.say(note)


def _chart(ctx: Context, figures: dict[str, Any]) -> None:
    """Conversations per group as unicode bars, on a terminal."""
    groups = figures["groups"]
    top = max((g["conversations"] for g in groups), default=0) or 1
    width = max((len(str(g["key"])) for g in groups), default=0)
    for g in groups:
        eighths = round(BAR * 8 * g["conversations"] / top)
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        ctx.out.line(f"{str(g['key']).ljust(width)}  {bar} {g['conversations']}")
    ctx.out.line("")
