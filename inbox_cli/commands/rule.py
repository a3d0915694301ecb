"""inbox rule add|list|show|rm|test"""

from __future__ import annotations

import argparse
from typing import Any

from crdt.model.vocab import PRIORITIES, SETTABLE_STATUSES
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

STRATEGIES = ("round-robin", "least-busy")


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "save a rule: when mail arrives that meets --when, do its actions")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--when", required=True, metavar="COND", help="the condition (see below)")
    add.add_argument("--assign", metavar="agent:X|team:T", help="assign an agent or a team")
    add.add_argument("--strategy", choices=STRATEGIES, help="within a team (default round-robin)")
    add.add_argument("--max-open", type=int, metavar="N", help="skip agents owning N open")
    add.add_argument("--tag", metavar="T")
    add.add_argument("--priority", choices=PRIORITIES)
    add.add_argument("--status", choices=SETTABLE_STATUSES)
    add.add_argument("--sla", metavar="NAME", help="the SLA policy the conversation is held to")
    add.add_argument("--notify", metavar="CHANNEL", help="kept; notifications are not sent yet")
    add_output_flags(add)
    example(
        add,
        "inbox rule add billing-to-finance --when 'mailbox:billing@acme.example.com or "
        "category:billing' --assign team:finance --strategy least-busy --max-open 15",
        "inbox rule add vip --when 'customer:*@bigco.example.com' --priority high --tag vip",
        "",
        "Conditions: mailbox:ADDR channel:email|chat tag:T category:C priority:P",
        "sentiment:S customer:GLOB domain:D words:'...' hours:in|out, with and, or, not, ( ).",
    )
    listing = verb("list", "the rules, in the order they run")
    add_output_flags(listing)
    example(listing, "inbox rule list")
    show = verb("show", "one rule")
    show.add_argument("name", metavar="NAME")
    add_output_flags(show)
    example(show, "inbox rule show vip --json")
    rm = verb("rm", "remove a rule")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox rule rm vip")
    test = verb("test", "would a rule fire on a conversation's latest message, and why")
    test.add_argument("name", metavar="NAME")
    test.add_argument("id", metavar="ID")
    add_output_flags(test)
    example(test, "inbox rule test billing-to-finance 3f2a")
    example(p, "inbox rule add vip --when 'domain:bigco.example.com' --tag vip", "inbox rule list")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import routing
    from crdt.errors import NotFoundError
    from crdt.workflow import rules

    replica = ctx.replica
    if args.verb == "add":
        item = routing.rule_add(
            replica,
            args.name,
            args.when,
            **{k: getattr(args, k) for k in ("assign", "strategy", "max_open", "tag")},
            **{k: getattr(args, k) for k in ("priority", "status", "sla", "notify")},
        )
        ctx.out.obj(item, lambda: [])
        ctx.out.say(f"saved rule {args.name}: when {item['when']}: {rules.describe(item)}")
    elif args.verb == "rm":
        routing.remove(replica, "rules", args.name)
        ctx.out.say(f"removed rule {args.name}")
    elif args.verb == "show":
        found = replica.items("rules").get(args.name)
        if found is None:
            raise NotFoundError(f"no rule {args.name!r} (see `inbox rule list`)")
        ctx.out.obj(dict(found), lambda: [f"when {found['when']}", rules.describe(found)])
    elif args.verb == "test":
        verdict = routing.test(replica, args.name, replica.resolve(args.id))
        ctx.out.obj(verdict, lambda: _explained(verdict))
    else:
        rows = [
            {**dict(r), "id": n, "does": rules.describe(r)}
            for n, r in replica.items("rules").items()
        ]
        ctx.out.items(rows, [("name", "name"), ("when", "when"), ("does", "does")])


def _explained(verdict: dict[str, Any]) -> list[str]:
    lines = [f"{t['term']}: {'yes' if t['holds'] else 'no'} ({_value(t['value'])})"
             for t in verdict["terms"]]  # fmt: skip
    if verdict["fired_before"]:
        lines.append(f"{verdict['rule']} fired for this message already")
    elif verdict["fires"]:
        lines.append(f"{verdict['rule']} would fire: " + "; ".join(verdict["actions"]))
    else:
        lines.append(f"{verdict['rule']} would not fire")
    return lines


def _value(value: Any) -> str:
    if value is None or value == []:
        return "none"
    return ", ".join(value) if isinstance(value, list) else str(value)
