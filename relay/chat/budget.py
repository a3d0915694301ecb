"""The relay-wide budget for visitors' messages: all visitors together write at most
``rate`` a second (``burst`` at once), and what comes over it waits in a bounded line.

Each visitor has a rate of their own (``Limits.chat_rate``), but 200 visitors at theirs
were 200 writes a second into the relay's one event loop, which the agents' sync shares:
their changes waited behind the visitors' (BENCHMARKS.md, "200 visitors beside 50
agents"). Over the budget a message is not refused but held, in order, and written when
the budget allows; the visitor's echo (the widget's receipt) comes then. Only a full line
turns a message away (``take`` returns False): the desk closes that socket with the
reason, and the widget, which keeps every message until its echo, sends it again when it
is back. Nothing a visitor said is lost either way: the line is in memory, and what a
relay stopping held is sent again by the widgets that wait for its echo.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from relay.chat.buckets import Buckets

_ALL = "all visitors"  # the one key of the relay-wide bucket


class Budget:
    def __init__(self, rate: float, burst: float, most: int) -> None:
        self.most = most
        self._bucket = Buckets(rate, burst, most=1)
        self._line: deque[tuple[str, Callable[[], None]]] = deque()
        self._keys: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._wait = 1.0 / rate

    def __len__(self) -> int:
        return len(self._line)

    def holds(self, key: str) -> bool:
        """Whether a message of this key (document and the widget's id) waits already:
        a resend of it is the one waiting."""
        return key in self._keys

    def waiting(self) -> set[str]:
        return self._keys

    def take(self, key: str, write: Callable[[], None]) -> bool:
        """Run ``write`` now when the budget allows and nothing waits before it, else put
        it at the end of the line; False: the line is full, and nothing was taken."""
        if not self._line and self._bucket.allow(_ALL):
            write()
            return True
        if len(self._line) >= self.most:
            return False
        self._line.append((key, write))
        self._keys.add(key)
        self._schedule()
        return True

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._wait, self._drain)

    def _drain(self) -> None:
        """What waits, in order, as far as the budget has refilled."""
        self._timer = None
        while self._line and self._bucket.allow(_ALL):
            key, write = self._line.popleft()
            self._keys.discard(key)
            write()
        if self._line:
            self._schedule()
