"""inbox status / close / reopen"""

from __future__ import annotations

import argparse

from crdt.model.vocab import SETTABLE_STATUSES
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, word_among


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    if name == "status":
        p.add_argument(
            "--to",
            dest="status",
            metavar="|".join(SETTABLE_STATUSES),
            choices=SETTABLE_STATUSES,
            help="the new status; may also be given as the last word",
        )
        example(
            p,
            "inbox status 3f2a pending",
            "inbox status pending 3f2a",
            "inbox list --tag spam -0 | inbox status closed",
        )
    else:
        p.set_defaults(status="closed" if name == "close" else "open")
        example(p, f"inbox {name} 3f2a")
    add_output_flags(p, nul=True)
    p.set_defaults(verb=name)


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    words, status = list(args.ids), args.status
    if args.verb == "status" and status is None:
        usage = "inbox status ID... open|pending|closed"
        status, words = word_among(words, SETTABLE_STATUSES, usage)
    ids = ctx.ids(words)
    outcome = actions.set_status(ctx.replica, ids, status)
    for ident in outcome.changed:
        ctx.out.say(f"{ident[:8]} is now {status}")
    for ident in outcome.unchanged:
        ctx.out.say(f"{ident[:8]} was already {status}")
    ctx.out.ids(ids)
