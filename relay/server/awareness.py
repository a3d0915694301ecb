"""Who is online and what they are doing: Yjs awareness states, one per replica.

A state is ``{"agent", "status": "online"|"away", "viewing": id|None,
"typing": id|None, "since": {...}}``; its author resends it as a heartbeat, and
a state not heard of for ``Limits.presence_expire`` seconds is dropped, as
y-protocols does.
The relay sets ``agent`` from the socket's token, so nobody speaks for another.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from crdt.model.vocab import PRESENCE_EXPIRE
from relay.protocol import Awareness


class Peer(Protocol):
    @property
    def agent(self) -> str: ...


class AwarenessStates:
    """Every replica's latest awareness state, with the socket it came from."""

    def __init__(self, expire: float = PRESENCE_EXPIRE) -> None:
        self.expire_after = expire
        self._states: dict[int, tuple[Peer, Awareness, float]] = {}

    def update(self, peer: Peer, entries: list[Awareness]) -> list[Awareness]:
        """Apply what a replica says of itself; returns what changed, to pass on."""
        changed = []
        now = time.monotonic()
        for entry in entries:
            held = self._states.get(entry.client)
            if held is not None and held[0] is not peer:
                continue  # another socket's client id
            if held is not None and entry.clock < held[1].clock:
                continue  # older than what we have
            if entry.state is None:
                self._states.pop(entry.client, None)
                changed.append(entry)
                continue
            state: dict[str, Any] = {**entry.state, "agent": peer.agent}
            fresh = Awareness(entry.client, entry.clock, state)
            self._states[entry.client] = (peer, fresh, now)
            if held is None or held[1].state != state:
                changed.append(fresh)
        return changed

    def leave(self, peer: Peer) -> list[Awareness]:
        gone = [c for c, (owner, _, _) in self._states.items() if owner is peer]
        return [self._remove(c) for c in gone]

    def expire(self, now: float | None = None) -> list[Awareness]:
        now = time.monotonic() if now is None else now
        stale = [c for c, (_, _, seen) in self._states.items() if now - seen > self.expire_after]
        return [self._remove(c) for c in stale]

    def snapshot(self) -> list[Awareness]:
        return [entry for _, entry, _ in self._states.values()]

    def _remove(self, client: int) -> Awareness:
        _, entry, _ = self._states.pop(client)
        return Awareness(client, entry.clock + 1, None)
