"""inbox who"""

from __future__ import annotations

import argparse
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example

COLUMNS = [("agent", "agent"), ("status", "status"), ("doing", "doing"), ("where", "conversation")]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    add_output_flags(p)
    example(p, "inbox who", "inbox who --json | jq -r '.[] | select(.typing) | .agent'")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.sync import presence
    from inbox_cli.output import ago

    rows = [_row(state, ago) for state in presence.others(ctx.replica)]
    ctx.out.items(rows, COLUMNS)
    if not rows:
        ctx.out.say("nobody else is online (as far as `inbox sync --watch` has heard)")


def _row(state: dict[str, Any], ago: Any) -> dict[str, Any]:
    """Typing says more than viewing, so it is what the table shows first."""
    what = "typing" if state.get("typing") else "viewing" if state.get("viewing") else ""
    where = state.get(what) if what else None
    since = state.get(f"{what}_since") if what else None
    return {
        "id": state["agent"],
        "agent": state["agent"],
        "status": state.get("status", "online"),
        "viewing": state.get("viewing"),
        "typing": state.get("typing"),
        "doing": f"{what} ({ago(since).replace(' ago', '')})" if what else "",
        "where": (where or "")[:8],
        "seen_at": state.get("seen_at"),
    }
