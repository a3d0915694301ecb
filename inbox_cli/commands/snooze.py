"""inbox snooze / unsnooze"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    if name == "snooze":
        p.add_argument(
            "--until",
            required=True,
            metavar="WHEN",
            help='"2h", "3d", "tomorrow 9:00", "monday", or an ISO time',
        )
        example(p, "inbox snooze 3f2a --until 'tomorrow 9:00'", "inbox snooze 3f2a --until 2h")
    else:
        example(p, "inbox unsnooze 3f2a")
    add_output_flags(p, nul=True)
    p.set_defaults(verb=name)


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    ids = ctx.ids(args.ids)
    until = actions.snooze_until(args.until) if args.verb == "snooze" else None
    actions.snooze(ctx.replica, ids, until)
    for ident in ids:
        ctx.out.say(f"{ident[:8]} snoozed until {until}" if until else f"{ident[:8]} woken")
    ctx.out.ids(ids)
