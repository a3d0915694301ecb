"""inbox watch [--jsonl]"""

from __future__ import annotations

import argparse
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import example

COLUMNS = [
    ("at", "at"),
    ("event", "event"),
    ("conversation", "conversation"),
    ("who", "who"),
    ("agent", "agent"),
    ("status", "status"),
    ("tag", "tag"),
    ("subject", "subject"),
    ("id", "id"),
]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--jsonl", action="store_true", help="one JSON object per event (docs/json.md)")
    example(
        p,
        "inbox watch",
        "inbox watch --jsonl | jq -c 'select(.event==\"sla.breached\")'",
        "inbox watch --jsonl | jq -r 'select(.event==\"mention\") | .conversation'",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from relay.client import events

    def tell(found: list[dict[str, Any]]) -> None:
        for event in found:
            ctx.out.event(event, COLUMNS, _text(event))

    events.watch(ctx.replica, ctx.out.say, tell)


def _text(e: dict[str, Any]) -> str:
    """One line for a person: time, what, which conversation, the gist."""
    what = {
        "assigned": f"-> {e.get('agent')}",
        "mention": f"@{e.get('agent')}: {e.get('body', '')}",
        "status.changed": f"now {e.get('status')}",
        "tag.added": f"+{e.get('tag')}",
        "tag.removed": f"-{e.get('tag')}",
        "message.received": e.get("body", ""),
        "reply.sent": e.get("body", ""),
    }.get(e["event"], e.get("target") or "")
    at = str(e["at"])[11:19]
    who = e.get("who") or ""
    return f"{at}  {e['event']:<16} {e['conversation'][:8]}  {who}  {e['subject']}  {what}"
