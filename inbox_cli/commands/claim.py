"""inbox claim"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example

CONFIRM_WITHIN = 2.0  # seconds a claim waits for the relay to order it


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: from stdin)")
    add_output_flags(p, nul=True)
    example(p, "inbox claim 3f2a", "inbox list --assignee none -0 | inbox claim")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.errors import ConflictError
    from relay.client import link

    ids = ctx.ids(args.ids)
    replica = ctx.replica
    outcome = actions.claim(replica, ids)
    ordered = bool(outcome.changed) and link.settle(replica, CONFIRM_WITHIN)
    lost = []
    for ident in outcome.changed:
        shown = replica.conversation(ident)
        if shown["assignee"] is None:  # dropped: the relay refused it (the notice says why)
            lost.append(f"{ident[:8]}: not claimed, the relay refused it")
        elif shown["assignee"] != replica.agent:
            who = replica.agent_name(shown["assignee"])
            lost.append(f"{ident[:8]}: {who} got there first")
        elif ordered or not replica.relay_url:
            ctx.out.say(f"claimed {ident[:8]}")
        else:
            ctx.out.say(f"claimed {ident[:8]}, tentative until the relay orders it")
    for ident in outcome.unchanged:
        ctx.out.say(f"{ident[:8]} is already yours")
    if lost:
        raise ConflictError("; ".join(lost))
    ctx.out.ids(ids)
