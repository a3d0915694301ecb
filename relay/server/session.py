"""One agent's socket as the relay holds it: its queue, its place in the log, its rate.

The queue is bounded in bytes, not only in frames: a replica that stops reading while
big updates pass costs the relay at most ``Limits.queue_bytes`` before it is dropped
(it resumes from its cursor when it comes back). Every drop carries a websocket close
code and a short reason, which the replica prints.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from relay import protocol as p
from relay.server.limits import Limits
from relay.store import Grant

Send = Callable[[dict[str, Any]], Awaitable[None]]

# Close codes (RFC 6455 7.4; 4000-4999 are the relay's own)
NORMAL, GOING_AWAY, POLICY, TOO_BIG, INTERNAL = 1000, 1001, 1008, 1009, 1011
BEHIND = 4000  # the socket fell too far behind; reconnecting resumes from the cursor
REVOKED = 4401  # the token was revoked
MAX_REASON = 123  # bytes of UTF-8 a close frame's reason may hold


class Dropped(Exception):
    """Why a socket is closed; logged, and the relay goes on for everyone else."""

    def __init__(self, reason: str, code: int = POLICY) -> None:
        super().__init__(reason)
        self.code = code


class Disconnected(Exception):
    """The agent closed its socket."""


class Session:
    """One agent's socket."""

    def __init__(self, grant: Grant, send: Send, limits: Limits) -> None:
        self.grant, self._send, self.limits = grant, send, limits
        self._frames: deque[bytes] = deque()
        self.queued = 0  # bytes in _frames
        self._ready = asyncio.Event()  # _frames holds something, or the session closed
        self._room = asyncio.Event()  # _frames has room for the catch-up to go on
        self.cursor = 0  # every log entry up to here is queued for this socket
        self.read = 0  # the replica has taken the log up to here (READ)
        self.read_moved = asyncio.Event()
        self.live = False  # caught up: new entries are queued as they are logged
        self.closed = asyncio.Event()
        self.reason = ""
        self.code = NORMAL
        self.refused = 0  # changes refused on this socket (Limits.refusals)
        self._tokens, self._stamp = limits.burst, time.monotonic()
        self.pieces = p.Assembly()  # the one frame this socket is sending in pieces

    @property
    def agent(self) -> str:
        return self.grant.agent

    @property
    def token_id(self) -> str:
        return self.grant.token_id

    def allow(self) -> bool:
        """A token bucket: a socket that floods the relay is dropped."""
        now = time.monotonic()
        self._tokens = min(self.limits.burst, self._tokens + (now - self._stamp) * self.limits.rate)
        self._stamp = now
        self._tokens -= 1
        return self._tokens >= 0

    def _full(self, size: int) -> bool:
        return (
            self.queued + size > self.limits.queue_bytes
            or len(self._frames) >= self.limits.queue_frames
        )

    def push(self, frame: bytes) -> None:
        """Queue a frame now (in pieces when it is big); a socket that far behind is
        dropped, its queue let go."""
        for piece in p.pieces(frame):
            if self.closed.is_set():
                return
            if self._frames and self._full(len(piece)):
                self._frames.clear()
                self.queued = 0
                self.drop("too far behind (it will resume from its cursor)", BEHIND)
                return
            self._append(piece)

    async def put(self, frame: bytes) -> None:
        """Queue a frame once there is room (the catch-up: it waits, it is not dropped)."""
        for piece in p.pieces(frame):
            while self._frames and self._full(len(piece)) and not self.closed.is_set():
                self._room.clear()
                await self._room.wait()
            if self.closed.is_set():
                return
            self._append(piece)

    def _append(self, frame: bytes) -> None:
        self._frames.append(frame)
        self.queued += len(frame)
        self._ready.set()

    def drop(self, reason: str, code: int = POLICY) -> None:
        if not self.closed.is_set():
            self.reason, self.code = reason, code
            self.closed.set()
            self.read_moved.set()  # a catch-up waiting for the replica ends
            self._room.set()
            self._ready.set()

    async def writer(self) -> None:
        """Send the queue in order; once closed, what was queued before goes out."""
        while True:
            if not self._frames:
                if self.closed.is_set():
                    return
                self._ready.clear()
                await self._ready.wait()
                continue
            frame = self._frames.popleft()
            self.queued -= len(frame)
            self._room.set()
            await self._send({"type": "websocket.send", "bytes": frame})
