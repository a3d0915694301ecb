"""Presence on this replica: what this agent is doing, and what teammates are doing.

Short commands note what the agent does (``show`` a conversation: viewing it;
a reply draft open in an editor: typing in it) in the ``doing`` table; the sync
process (relay/client/) tells the relay, which passes it on as Yjs awareness,
and writes what it hears of teammates into ``presence``. A state not heard of for
``PRESENCE_EXPIRE`` seconds is gone, as the relay forgets it too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from crdt.model import clock
from crdt.model.vocab import PRESENCE_EXPIRE
from crdt.replica import Replica

VIEWING_FOR = 300.0  # a conversation shown this long ago is no longer being viewed
VIEWING, TYPING = "viewing", "typing"


def shared(replica: Replica) -> bool:
    """Whether anyone could hear this replica's presence (it syncs with a relay)."""
    return replica.relay_url is not None


def note(replica: Replica, what: str, conversation: str | None) -> None:
    """Start (or with None, stop) viewing or typing; ``since`` stays while it goes on."""
    with replica.store.write() as conn:
        if conversation is None:
            conn.execute("DELETE FROM doing WHERE what = ?", (what,))
            return
        row = conn.execute("SELECT conversation FROM doing WHERE what = ?", (what,)).fetchone()
        if row is None or row[0] != conversation:
            conn.execute(
                "INSERT OR REPLACE INTO doing VALUES (?, ?, ?)",
                (what, conversation, clock.now_iso()),
            )


def doing(replica: Replica) -> dict[str, Any]:
    """This agent's state as the sync process announces it."""
    out: dict[str, Any] = {}
    viewed_after = clock.to_iso(clock.now() - timedelta(seconds=VIEWING_FOR))
    for what, conversation, since in replica.store.conn.execute(
        "SELECT what, conversation, since FROM doing"
    ):
        if what == VIEWING and since < viewed_after:
            continue
        out[str(what)] = conversation
        out[f"{what}_since"] = since
    return out


def heard(replica: Replica, states: list[tuple[int, dict[str, Any] | None]] | None) -> None:
    """Teammates' states as the relay passes them on (None: forget all, the link is gone)."""
    now = clock.now_iso()
    with replica.store.write() as conn:
        if states is None:
            conn.execute("DELETE FROM presence")
            return
        for client, state in states:
            if state is None:
                conn.execute("DELETE FROM presence WHERE client = ?", (client,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO presence VALUES (?, ?, ?, ?)",
                    (client, str(state.get("agent", "")), json.dumps(state), now),
                )


def others(replica: Replica) -> list[dict[str, Any]]:
    """Teammates heard of within ``PRESENCE_EXPIRE`` seconds, one entry per agent (the freshest)."""
    fresh_after = clock.to_iso(clock.now() - timedelta(seconds=PRESENCE_EXPIRE))
    rows = replica.store.conn.execute(
        "SELECT agent, state, seen_at FROM presence WHERE seen_at >= ? AND agent != ? "
        "ORDER BY seen_at",
        (fresh_after, replica.agent),
    )
    latest: dict[str, dict[str, Any]] = {}
    for agent, state, seen_at in rows:
        latest[str(agent)] = {**json.loads(state), "agent": agent, "seen_at": seen_at}
    return sorted(latest.values(), key=lambda s: str(s["agent"]))


def by_conversation(replica: Replica) -> dict[str, list[dict[str, Any]]]:
    """Who is on which conversation: ``{"agent", "doing", "since"}``, typing before viewing."""
    out: dict[str, list[dict[str, Any]]] = {}
    for state in others(replica):
        for what in (TYPING, VIEWING):
            if state.get(what):
                entry = {
                    "agent": state["agent"],
                    "doing": what,
                    "since": state.get(f"{what}_since") or state.get("at"),
                }
                if state.get("visitor"):  # a website visitor, stated by the relay
                    entry["visitor"] = True
                    entry["name"] = state.get("name")
                out.setdefault(str(state[what]), []).append(entry)
                break
    return out


def on(replica: Replica, conversation: str) -> list[dict[str, Any]]:
    return by_conversation(replica).get(conversation, [])
