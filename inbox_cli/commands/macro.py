"""inbox macro add|list|show|rm|run"""

from __future__ import annotations

import argparse
from typing import Any

from inbox_cli.context import Context, add_output_flags, example


class _Action(argparse.Action):
    """Collect --tag/--status/... in the order given: a macro runs them in that order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        ns: argparse.Namespace,
        value: Any,
        option: str | None = None,
    ) -> None:
        ns.actions = [*getattr(ns, "actions", []), {self.dest: value}]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", choices=["add", "list", "show", "rm", "run"])
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("ids", nargs="*", metavar="ID", help="run: id prefixes (default: stdin)")
    for flag in ("tag", "untag", "status", "priority", "assign", "note", "snooze"):
        p.add_argument(f"--{flag}", dest=flag, action=_Action, metavar="VALUE")
    p.add_argument("--unassign", dest="unassign", action=_Action, nargs=0)
    p.set_defaults(actions=[])
    add_output_flags(p)
    example(
        p,
        "inbox macro add refund --tag refund --status pending --note 'refund requested'",
        "inbox macro run refund 3f2a 9c1e",
        "inbox macro list",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions, macros
    from crdt.errors import UsageError

    replica = ctx.replica
    if args.action == "list":
        rows = [
            {"id": n, "name": n, "actions": "; ".join(macros.describe(a) for a in m["actions"])}
            for n, m in replica.items("macros").items()
        ]
        ctx.out.items(rows, [("name", "name"), ("actions", "actions")])
        return
    if not args.name:
        raise UsageError(f"inbox macro {args.action} needs a NAME")
    if args.action == "add":
        steps = [{k: (True if v == [] else v)} for a in args.actions for k, v in a.items()]
        actions.macro_add(replica, args.name, steps)
        ctx.out.say(f"saved macro {args.name}")
    elif args.action == "rm":
        actions.item_remove(replica, "macros", args.name)
        ctx.out.say(f"removed macro {args.name}")
    elif args.action == "show":
        found = replica.items("macros").get(args.name)
        if found is None:
            from crdt.errors import NotFoundError

            raise NotFoundError(f"no macro {args.name!r}")
        ctx.out.obj(found, lambda: [macros.describe(a) for a in found["actions"]])
    else:
        ids = ctx.ids(args.ids)
        outcome = actions.macro_run(replica, args.name, ids)
        ctx.out.say(f"ran {args.name} on {len(ids)}: " + "; ".join(outcome.messages))
        ctx.out.ids(ids)
