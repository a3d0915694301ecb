"""inbox assign / inbox unassign"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    if name == "assign":
        p.add_argument("--to", required=True, metavar="AGENT", help="email, handle, or me")
        example(p, "inbox assign 3f2a --to dana", "inbox list --tag vip -0 | inbox assign --to ben")
    else:
        example(p, "inbox unassign 3f2a")
    p.add_argument("--force", action="store_true", help="also take conversations a teammate holds")
    add_output_flags(p, nul=True)
    p.set_defaults(verb=name)


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.errors import ConflictError

    ids = ctx.ids(args.ids)
    if args.verb == "assign":
        outcome = actions.assign(ctx.replica, ids, args.to, args.force)
        done = f"assigned to {ctx.replica.find_agent(args.to)}"
    else:
        outcome = actions.unassign(ctx.replica, ids, args.force)
        done = "unassigned"
    for ident in outcome.changed:
        ctx.out.say(f"{ident[:8]} {done}")
    for ident in outcome.unchanged:
        ctx.out.say(f"{ident[:8]} was already {done}")
    if outcome.held:
        raise ConflictError("; ".join(outcome.messages) + ": --force takes it from them")
    ctx.out.ids(ids)
