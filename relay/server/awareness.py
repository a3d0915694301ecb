"""Who is online and what they are doing: Yjs awareness states, one per replica.

A state is ``{"agent", "status": "online"|"away", "viewing": id|None,
"typing": id|None, "since": {...}}``; its author resends it as a heartbeat, and
a state not heard of for ``Limits.presence_expire`` seconds is dropped, as
y-protocols does.
The relay sets ``agent`` from the socket's token, so nobody speaks for another.

Presence is bounded so that no token can fill the relay or its peers' screens: a
socket speaks for one awareness client id (the first it uses; a replica has one, and
entries for any other id are ignored), a state over ``Limits.presence_state`` bytes is
ignored, and so is one that would take its token's live states past
``Limits.presence_per_token`` bytes.
"""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple, Protocol

from crdt.model.vocab import PRESENCE_EXPIRE
from relay.protocol import Awareness


class Peer(Protocol):
    @property
    def agent(self) -> str: ...

    @property
    def token_id(self) -> str: ...


class Budget(NamedTuple):
    state: int = 4 * 1024  # bytes of one state, as JSON
    per_token: int = 16 * 1024  # bytes of one token's live states


BUDGET = Budget()


class _Held(NamedTuple):
    peer: Peer
    entry: Awareness
    seen: float
    size: int


class AwarenessStates:
    """Every replica's latest awareness state, with the socket it came from."""

    def __init__(self, expire: float = PRESENCE_EXPIRE, budget: Budget = BUDGET) -> None:
        self.expire_after, self.budget = expire, budget
        self._states: dict[int, _Held] = {}
        self._client_of: dict[int, int] = {}  # id(peer) -> the client id it speaks for
        self._bytes: dict[str, int] = {}  # token id -> bytes of its live states

    def update(self, peer: Peer, entries: list[Awareness]) -> list[Awareness]:
        """Apply what a replica says of itself; returns what changed, to pass on."""
        changed = []
        now = time.monotonic()
        for entry in entries:
            if self._client_of.setdefault(id(peer), entry.client) != entry.client:
                continue  # a socket speaks for one client id
            held = self._states.get(entry.client)
            if held is not None and held.peer is not peer:
                continue  # another socket's client id
            if held is not None and entry.clock < held.entry.clock:
                continue  # older than what we have
            if entry.state is None:
                if held is not None:
                    self._remove(entry.client)
                changed.append(entry)
                continue
            state: dict[str, Any] = {**entry.state, "agent": peer.agent}
            size = len(json.dumps(state, separators=(",", ":")))
            spent = self._bytes.get(peer.token_id, 0) - (held.size if held else 0)
            if size > self.budget.state or spent + size > self.budget.per_token:
                continue  # over the budget: the state it had (if any) stands
            fresh = Awareness(entry.client, entry.clock, state)
            self._states[entry.client] = _Held(peer, fresh, now, size)
            self._bytes[peer.token_id] = spent + size
            if held is None or held.entry.state != state:
                changed.append(fresh)
        return changed

    def leave(self, peer: Peer) -> list[Awareness]:
        self._client_of.pop(id(peer), None)
        gone = [c for c, held in self._states.items() if held.peer is peer]
        return [self._remove(c) for c in gone]

    def expire(self, now: float | None = None) -> list[Awareness]:
        now = time.monotonic() if now is None else now
        stale = [c for c, held in self._states.items() if now - held.seen > self.expire_after]
        return [self._remove(c) for c in stale]

    def snapshot(self) -> list[Awareness]:
        return [held.entry for held in self._states.values()]

    def bytes_of(self, token_id: str) -> int:
        """Bytes of a token's live states (what its budget counts)."""
        return self._bytes.get(token_id, 0)

    def _remove(self, client: int) -> Awareness:
        held = self._states.pop(client)
        left = self._bytes.get(held.peer.token_id, 0) - held.size
        if left > 0:
            self._bytes[held.peer.token_id] = left
        else:
            self._bytes.pop(held.peer.token_id, None)
        return Awareness(client, held.entry.clock + 1, None)
