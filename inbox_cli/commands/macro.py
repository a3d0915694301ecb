"""inbox macro add|list|show|rm|run"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

STEPS = ("tag", "untag", "status", "priority", "assign", "note", "snooze", "reply")


class _Step(argparse.Action):
    """Collect --tag/--status/... in the order given: a macro runs them in that order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        ns: argparse.Namespace,
        value: str | Sequence[Any] | None,
        option: str | None = None,
    ) -> None:
        ns.steps = [*getattr(ns, "steps", []), {self.dest: True if value == [] else value}]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "save a named list of actions, run in the order given")
    add.add_argument("name", metavar="NAME")
    for flag in STEPS:
        add.add_argument(f"--{flag}", dest=flag, action=_Step, metavar="VALUE")
    add.add_argument("--unassign", dest="unassign", action=_Step, nargs=0)
    add.set_defaults(steps=[])
    example(
        add,
        "inbox macro add refund --tag refund --status pending --note 'refund requested'",
        "inbox macro add later --snooze 'tomorrow 9:00' --assign me",
        "inbox macro add refund-ok --reply refund-ok --tag refund --status pending"
        "   # inbox reply ID --macro refund-ok",
    )
    listing = verb("list", "the saved macros")
    add_output_flags(listing)
    example(listing, "inbox macro list")
    show = verb("show", "what a macro does")
    show.add_argument("name", metavar="NAME")
    add_output_flags(show)
    example(show, "inbox macro show refund --json")
    rm = verb("rm", "remove a macro")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox macro rm refund")
    run_ = verb("run", "apply a macro to conversations")
    run_.add_argument("name", metavar="NAME")
    run_.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (default: stdin)")
    add_output_flags(run_, nul=True)
    example(
        run_,
        "inbox macro run refund 3f2a 9c1e",
        "inbox list --tag refund -0 | inbox macro run refund",
    )
    example(
        p, "inbox macro add refund --tag refund --status pending", "inbox macro run refund 3f2a"
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.workflow import macros

    replica = ctx.replica
    if args.verb == "list":
        rows = [
            {"id": n, "name": n, "actions": "; ".join(macros.describe(a) for a in m["actions"])}
            for n, m in replica.items("macros").items()
        ]
        ctx.out.items(rows, [("name", "name"), ("actions", "actions")])
    elif args.verb == "add":
        actions.macro_add(replica, args.name, args.steps)
        ctx.out.say(f"saved macro {args.name}")
    elif args.verb == "rm":
        actions.macro_remove(replica, args.name)
        ctx.out.say(f"removed macro {args.name}")
    elif args.verb == "show":
        found = actions.macro_get(replica, args.name)
        ctx.out.obj(found, lambda: [macros.describe(a) for a in found["actions"]])
    else:
        ids = ctx.ids(args.ids)
        outcome = actions.macro_run(replica, args.name, ids)
        ctx.out.say(f"ran {args.name} on {len(ids)}: " + "; ".join(outcome.messages))
        ctx.out.ids(ids)
