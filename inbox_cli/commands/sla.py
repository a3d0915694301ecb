"""inbox sla add|list|rm"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

SPANS = ("first_response", "next_response", "resolution", "warn_before")


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "save an SLA policy: how long customers may wait, in business time")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--first-response", metavar="D", help="to the first reply, e.g. 1h")
    add.add_argument("--next-response", metavar="D", help="to each later reply, e.g. 4h")
    add.add_argument("--resolution", metavar="D", help="to the close, e.g. 2d")
    add.add_argument("--hours", metavar="SPEC", help="business hours (default: every hour)")
    add.add_argument("--holidays-file", metavar="F", help="one YYYY-MM-DD a line, closed")
    add.add_argument("--warn-before", metavar="D", help="warn this long before due (15m)")
    add.add_argument("--default", action="store_true", help="for conversations no rule set")
    add_output_flags(add)
    example(
        add,
        "inbox sla add standard --first-response 1h --next-response 4h --resolution 2d \\",
        "    --hours 'Mon-Fri 09:00-17:00 Europe/Berlin' --holidays-file holidays.txt --default",
        "",
        "Durations (15m, 4h, 2d, 1w, 1h30m) are business time: 2d is 48 open hours.",
    )
    listing = verb("list", "the SLA policies")
    add_output_flags(listing)
    example(listing, "inbox sla list --json")
    rm = verb("rm", "remove an SLA policy")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox sla rm standard")
    example(p, "inbox sla add standard --first-response 1h --resolution 2d --default")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import routing

    replica = ctx.replica
    if args.verb == "add":
        text = _holidays(args.holidays_file) if args.holidays_file else None
        item = routing.sla_add(
            replica,
            args.name,
            text,
            **{k: getattr(args, k) for k in SPANS},
            spec=args.hours,
            default=args.default,
        )
        ctx.out.obj(item, lambda: [])
        ctx.out.say(f"saved SLA policy {args.name}: {describe(item)}")
    elif args.verb == "rm":
        routing.remove(replica, "slas", args.name)
        ctx.out.say(f"removed SLA policy {args.name}")
    else:
        rows = [
            {**dict(p), "id": n, "does": describe(p)}
            for n, p in sorted(replica.items("slas").items())
        ]
        ctx.out.items(
            rows,
            [("name", "name"), ("does", "targets"), ("hours", "hours"), ("default", "default")],
            _cell,
        )


def _cell(key: str, row: dict[str, Any]) -> str:
    if key == "default":
        return "default" if row.get("default") else ""
    return str(row.get(key) or ("every hour" if key == "hours" else ""))


def describe(item: dict[str, Any]) -> str:
    from crdt.workflow.sla import TARGETS, span

    parts = [f"{k.replace('_', ' ')} {span(int(item[k]), 2)}" for k in TARGETS if item.get(k)]
    holidays = len(item.get("holidays") or [])
    if holidays:
        parts.append(f"{holidays} holiday{'s' if holidays > 1 else ''}")
    parts.append(f"warn {span(int(item.get('warn_before') or 0), 2)} before")
    return ", ".join(parts)


def _holidays(path: str) -> str:
    from crdt.errors import UsageError

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the holidays file {path}: {exc}") from None
