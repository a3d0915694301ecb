"""One agent's socket as the relay holds it: its queue, its place in the log, its rate."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from relay.server.limits import Limits
from relay.store import Grant

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Dropped(Exception):
    """Why a socket is closed; logged, and the relay goes on for everyone else."""


class Disconnected(Exception):
    """The agent closed its socket."""


class Session:
    """One agent's socket."""

    def __init__(self, grant: Grant, send: Send, limits: Limits) -> None:
        self.grant, self._send, self.limits = grant, send, limits
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(limits.queue_frames)
        self.cursor = 0  # every log entry up to here is queued for this socket
        self.read = 0  # the replica has taken the log up to here (READ)
        self.read_moved = asyncio.Event()
        self.live = False  # caught up: new entries are queued as they are logged
        self.closed = asyncio.Event()
        self.reason = ""
        self._tokens, self._stamp = limits.burst, time.monotonic()

    @property
    def agent(self) -> str:
        return self.grant.agent

    def allow(self) -> bool:
        """A token bucket: a socket that floods the relay is dropped."""
        now = time.monotonic()
        self._tokens = min(self.limits.burst, self._tokens + (now - self._stamp) * self.limits.rate)
        self._stamp = now
        self._tokens -= 1
        return self._tokens >= 0

    def push(self, frame: bytes) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop("too far behind (it will resume from its cursor)")

    def drop(self, reason: str) -> None:
        if not self.closed.is_set():
            self.reason = reason
            self.closed.set()
            self.read_moved.set()  # a catch-up waiting for the replica ends
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(None)

    async def writer(self) -> None:
        while True:
            frame = await self.queue.get()
            if frame is None:
                return
            await self._send({"type": "websocket.send", "bytes": frame})
