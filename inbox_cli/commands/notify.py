"""inbox notify add|list|rm: where events are told (Slack, signed webhooks)"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inbox_cli.commands.relay import store_option
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("where", "posts to"),
    ("events", "events"),
    ("sent", "sent"),
    ("waiting", "waiting"),
    ("failed", "failed"),
]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "tell events to Slack or a signed webhook, from where the relay runs")
    add.add_argument("kind", choices=("slack", "webhook"), help="slack or webhook")
    add.add_argument("url", nargs="?", metavar="URL", help="a webhook's URL (https)")
    add.add_argument(
        "--webhook-file",
        metavar="FILE",
        help="Slack: the file holding the incoming webhook's URL (itself a secret)",
    )
    add.add_argument(
        "--secret-file", metavar="FILE", help="webhook: the file holding the signing secret"
    )
    add.add_argument(
        "--on",
        default="*",
        metavar="EVENTS",
        help="the events to tell, comma-separated, or '*' (default): message.received, "
        "reply.sent, assigned, unassigned, mention, status.changed, tag.added, tag.removed, "
        "sla.warning, sla.breached ('-' for '.' too: sla-breached)",
    )
    store_option(add)
    example(
        add,
        "inbox notify add slack --webhook-file ./slack.url --on mention,assigned,sla-breached",
        "inbox notify add webhook https://hooks.acme.example.com/inbox --secret-file hook.key "
        "--on '*'",
    )
    listing = verb("list", "every notifier, what it tells, how its deliveries stand")
    store_option(listing)
    add_output_flags(listing)
    example(listing, "inbox notify list --store ./relay.db", "inbox notify list --json")
    rm = verb("rm", "stop telling a notifier: by id, every Slack one, or a webhook's URL")
    rm.add_argument("what", metavar="slack|webhook|ID", help="slack, webhook (with URL), or an id")
    rm.add_argument("url", nargs="?", metavar="URL", help="the webhook's URL")
    store_option(rm)
    example(
        rm, "inbox notify rm webhook https://hooks.acme.example.com/inbox", "inbox notify rm 3f2a"
    )
    example(
        p,
        "inbox notify add slack --webhook-file ./slack.url --on mention,assigned,sla-breached",
        "inbox notify list",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from relay.notify import admin

    store = Path(args.store_path)
    if args.verb == "add":
        n, new = admin.add(store, args.kind, args.url, args.webhook_file, args.secret_file, args.on)
        ctx.out.say(
            f"{'added' if new else 'changed'} {n.kind} notifier {n.id} for "
            f"{', '.join(n.events)}; `inbox relay serve` starts the notifier beside the "
            "relay (restart it, or run `inbox relay notifier`, for the first one)"
        )
    elif args.verb == "list":
        rows = [_row(n) for n in admin.listing(store)]
        ctx.out.items(rows, COLUMNS)
        if not rows:
            ctx.out.say("no notifier yet: `inbox notify add slack --webhook-file F`")
    else:
        gone = admin.remove(store, args.what, args.url)
        ctx.out.say(f"removed {', '.join(gone)}; their waiting deliveries are dropped")


def _row(n: dict[str, Any]) -> dict[str, Any]:
    counts = n["deliveries"]
    return {
        **n,
        "where": n["url"] or f"(URL in {n['url_file']})",
        "sent": counts.get("sent", 0),
        "waiting": counts.get("pending", 0) + counts.get("retrying", 0),
        "failed": counts.get("failed", 0),
    }
