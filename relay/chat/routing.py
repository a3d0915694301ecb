"""The workspace's rules over a chat a visitor opens, at the relay, where it arrives.

Mail is routed where it arrives (crdt/routing.py: `inbox import`, the mail gateway); a
chat arrives here, so the desk hands each new chat's first message to ``Router.opened``
once it is written. The rules are crdt/routing.py's own (``plan``, ``fire``), over the
conversation, the rules, teams and SLA policies as the relay holds them: the same rules
in the same order make the same firings, each recorded in the conversation with the
rule's name in its activity (so no other evaluator fires it again), written by the relay
as the chat's writer and proved by admission like any change.

Who is online is the agents' presence the relay holds (a visitor's is not counted).
What the relay does not hold is an index: the open conversations each agent owns are
not known here, so a team rule's least-busy choice and its ``max_open`` cap see every
member with none, and a round-robin's place is kept in memory (a restart starts it at
the team's first member again).

A rule that fails is logged and skipped (``routing.plan``); a failure of the whole (a
document the relay refuses to change) is logged, and the chat goes on as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from crdt import routing
from crdt.errors import InboxError, RefusedError
from crdt.model import view, workspace
from crdt.model.vocab import workspace_doc
from crdt.workflow import rules
from relay import protocol as p

log = logging.getLogger("inbox.relay.chat")


class Holder(Protocol):
    """What the router needs of the relay's hub."""

    def document(self, name: str) -> dict[str, Any]: ...

    def write(self, name: str, change: Callable[[Any], None], agent: str, role: str) -> Any: ...

    def states(self) -> list[p.Awareness]: ...


class Router:
    def __init__(self, hub: Holder, writer: tuple[str, str]) -> None:
        self.hub, self.writer = hub, writer
        self.last: dict[str, str] = {}  # rule -> the agent it last assigned (round-robin)

    def opened(self, name: str, message_id: str) -> list[str]:
        """Every rule over the first message of chat ``name``; the rules that fired."""
        try:
            return self._route(name, message_id)
        except (InboxError, RefusedError, KeyError, TypeError, ValueError) as exc:
            log.warning("rules skipped for %s: %s", name, exc)
            return []

    def _route(self, name: str, message_id: str) -> list[str]:
        compiled = rules.compiled(self._items("rules"))
        if not compiled:
            return []
        load = rules.Load(self._online(), {}, self.last)  # took() moves self.last
        calendar = routing.hours_of(self._items("slas"))
        engine = routing.Engine(compiled, self._items("teams"), calendar, load)
        planned = routing.plan(engine, view.from_raw(self.hub.document(name)), message_id)
        if not planned:
            return []
        done: list[str] = []
        change = routing.fire(planned, message_id, self.writer[0])
        self.hub.write(name, lambda doc: done.extend(change(doc)), *self.writer)
        routing.took(engine, planned, done)
        return done

    def _items(self, kind: str) -> dict[str, dict[str, Any]]:
        return workspace.live(self.hub.document(workspace_doc(kind)).get("items") or {})

    def _online(self) -> frozenset[str]:
        """The agents whose presence the relay holds now."""
        return frozenset(
            str(s.state["agent"])
            for s in self.hub.states()
            if s.state and s.state.get("agent") and not s.state.get("visitor")
        )
