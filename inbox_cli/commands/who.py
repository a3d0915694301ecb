"""inbox who"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example

COLUMNS = [("agent", "agent"), ("status", "status"), ("doing", "doing"), ("where", "conversation")]
Ago = Callable[[str | None], str]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    add_output_flags(p)
    example(
        p,
        "inbox who",
        "inbox who --json | jq -r '.[] | select(.typing) | .agent'",
        "inbox who --json | jq -r '.[] | .drafts[] | .conversation'   # replies begun",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.sync import presence
    from inbox_cli.output import ago

    agents = _agents(presence.others(ctx.replica), ctx.replica.drafts())
    if ctx.out.mode in ("json", "jsonl"):
        ctx.out.items(agents, COLUMNS)
    else:  # a line for each thing a teammate is doing
        ctx.out.items([line for a in agents for line in _lines(a, ago)], COLUMNS)
    if not agents:
        ctx.out.say("nobody else is online (as far as `inbox sync --watch` has heard) or drafting")


def _agents(online: list[dict[str, Any]], drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per teammate online or with a reply begun (a draft outlives presence)."""
    by_agent: dict[str, dict[str, Any]] = {}
    for state in online:
        by_agent[state["agent"]] = {
            "id": state["agent"],
            "agent": state["agent"],
            "status": state.get("status", "online"),
            "viewing": state.get("viewing"),
            "viewing_since": state.get("viewing_since"),
            "typing": state.get("typing"),
            "typing_since": state.get("typing_since"),
            "seen_at": state.get("seen_at"),
            "visitor": bool(state.get("visitor")),
            "drafts": [],
        }
    for draft in drafts:
        agent = draft["agent"]
        entry = by_agent.setdefault(agent, _offline(agent))
        entry["drafts"].append({k: draft[k] for k in ("conversation", "subject", "started_at")})
    return sorted(by_agent.values(), key=lambda a: str(a["agent"]))


def _offline(agent: str) -> dict[str, Any]:
    return {
        "id": agent,
        "agent": agent,
        "status": "offline",
        "viewing": None,
        "viewing_since": None,
        "typing": None,
        "typing_since": None,
        "seen_at": None,
        "visitor": False,
        "drafts": [],
    }


def _lines(agent: dict[str, Any], ago: Ago) -> list[dict[str, Any]]:
    """Typing says more than viewing, so it is the line shown of the two; then a line for
    each draft reply."""
    lines = []
    what = "typing" if agent["typing"] else "viewing" if agent["viewing"] else ""
    if what or not agent["drafts"]:
        lines.append(_line(agent, what, agent.get(what), agent.get(f"{what}_since"), ago))
    for draft in agent["drafts"]:
        lines.append(_line(agent, "draft reply", draft["conversation"], draft["started_at"], ago))
    return lines


def _line(
    agent: dict[str, Any], what: str, where: str | None, since: str | None, ago: Ago
) -> dict[str, Any]:
    return {
        "id": agent["agent"],
        "agent": agent["agent"],
        "status": agent["status"],
        "doing": f"{what} ({ago(since).replace(' ago', '')})" if what else "",
        "where": (where or "")[:8],
    }
