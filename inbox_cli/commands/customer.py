"""inbox customer"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from inbox_cli.context import Context
from inbox_cli.output import ago
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("email", metavar="EMAIL")
    add_output_flags(p)
    example(p, "inbox customer maria@example.com", "inbox customer maria@example.com --json")


def run(args: argparse.Namespace, ctx: Context) -> None:
    found = ctx.replica.customer(args.email)
    ctx.out.obj(found, lambda: _render(found))


def _render(c: dict[str, Any]) -> Iterator[str]:
    yield f"{c['name'] or ''} <{c['email']}>".strip()
    yield f"{len(c['conversations'])} conversations, {len(c['messages'])} messages"
    for conv in c["conversations"]:
        yield f"  {conv['id'][:8]}  {conv['status']:<8} {conv['channel']:<5} {conv['subject']}"
    yield ""
    for m in c["messages"]:
        arrow = "→" if m.get("direction") == "out" else "←"
        first = (str(m.get("body") or "").strip().splitlines() or [""])[0][:70]
        yield (
            f"{m.get('created_at', '')[:16]}  {ago(m.get('created_at')):>8}  {arrow} "
            f"{m['conversation'][:8]}  {first}"
        )
