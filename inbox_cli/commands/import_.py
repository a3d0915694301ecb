"""inbox import"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example
from inbox_cli.progress import Progress

SHOWN = 20  # entries that are not mail named on stderr; --json names all


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("path", metavar="PATH", help="an mbox file, a Maildir, a folder of .eml files")
    add_output_flags(p)
    example(p, "inbox import ~/mail/support.mbox", "inbox import ~/Maildir/support --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from pathlib import Path

    from crdt import routing
    from crdt.ingest import sources
    from crdt.ingest.importer import import_path

    source = Path(args.path).expanduser()
    sources.expect_mail(source)  # a path that is not there, or holds nothing: replica or not
    with Progress(ctx.out.err, "importing") as progress:
        report = import_path(ctx.replica, source, progress.update)
    fired = routing.route(ctx.replica, [routing.Arrival(*a) for a in report.arrived])
    summary = {**report.as_dict(), "arrived": len(report.arrived), "rules_fired": fired}
    ctx.out.obj(summary, lambda: [])
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(summary["skipped"].items()))
    waiting = f", {report.waiting} notices kept for mail not imported yet" * bool(report.waiting)
    ctx.out.say(
        f"read {report.read} messages: {report.imported} imported into "
        f"{report.conversations} new conversations, {report.duplicates} already there, "
        f"{report.notices} notices{waiting}"
        + (f", {len(report.warnings)} with warnings" if report.warnings else "")
        + (f", {fired} rule firings" if fired else "")
        + (f"; skipped {skipped}" if skipped else "")
    )
    for entry in report.not_mail[:SHOWN]:
        ctx.out.say(f"not mail: {entry['path']}: {entry['reason']}")
    if len(report.not_mail) > SHOWN:
        ctx.out.say(f"... and {len(report.not_mail) - SHOWN} more not mail (--json lists all)")
    for entry in report.warnings[:SHOWN]:
        ctx.out.warn(f"{entry['path']}: {entry['reason']}")
    if len(report.warnings) > SHOWN:
        ctx.out.say(f"... and {len(report.warnings) - SHOWN} more warnings (--json lists all)")
