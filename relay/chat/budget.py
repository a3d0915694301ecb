"""The relay-wide budget for visitors' messages: of each second of the relay's one event
loop, writing what visitors say may take at most ``share`` (``burst`` seconds of it at
once), and what comes over it waits in a bounded line.

Each visitor has a rate of their own (``Limits.chat_rate``), but 200 visitors at theirs
were 200 writes a second into the loop the agents' sync runs in, and their changes
waited behind the visitors' (BENCHMARKS.md, "200 visitors beside 50 agents"). The budget
is of time, not of messages: a write's CPU time (the loop's thread's, so a relay the
machine's other work holds back is not charged for the wait) is what it costs, so a
conversation that has grown long, or a machine that is slow, admits fewer a second, and
the agents keep the rest of the loop whatever a message costs.

Over the budget a message is not refused but held, in order, and written when the
budget has refilled; the visitor's echo (the widget's receipt) comes then. Only a full
line turns a message away (``take`` returns False): the desk closes that socket with the
reason, and the widget, which keeps every message until its echo, sends it again when it
is back. Nothing a visitor said is lost either way: the line is in memory, and what a
relay stopping held is sent again by the widgets that wait for its echo.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Budget:
    def __init__(
        self,
        share: float,
        burst: float,
        most: int,
        clock: Callable[[], float] = time.monotonic,
        spent: Callable[[], float] = time.thread_time,
    ) -> None:
        """``clock``: seconds, for the refill; ``spent``: the loop's CPU seconds, for what a
        write costs (tests give one clock of their own for both)."""
        self.share, self.burst, self.most = share, burst, most
        self.clock, self.spent = clock, spent
        self._level, self._at = burst, clock()  # seconds of loop the visitors may take now
        self._line: deque[tuple[str, Callable[[], None]]] = deque()
        self._keys: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._line)

    def holds(self, key: str) -> bool:
        """Whether a message of this key (document and the widget's id) waits already:
        a resend of it is the one waiting."""
        return key in self._keys

    def waiting(self) -> set[str]:
        return self._keys

    def take(self, key: str, write: Callable[[], None]) -> bool:
        """Run ``write`` now when the budget has time left and nothing waits before it,
        else put it at the end of the line; False: the line is full, nothing was taken."""
        if not self._line and self._left() > 0:
            self._timed(write)
            return True
        if len(self._line) >= self.most:
            return False
        self._line.append((key, write))
        self._keys.add(key)
        self._schedule()
        return True

    def drain(self) -> None:
        """What waits, in order, as far as the budget has refilled (the line's timer)."""
        self._timer = None
        while self._line and self._left() > 0:
            key, write = self._line.popleft()
            self._keys.discard(key)
            self._timed(write)
        if self._line:
            self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _left(self) -> float:
        now = self.clock()
        self._level = min(self.burst, self._level + (now - self._at) * self.share)
        self._at = now
        return self._level

    def _timed(self, write: Callable[[], None]) -> None:
        """``write``, its time taken from the budget (which may go below nothing: the
        next waits until it is paid back)."""
        began = self.spent()
        try:
            write()
        finally:
            self._level -= self.spent() - began

    def _schedule(self) -> None:
        if self._timer is None:
            wait = max(0.001, -self._level / self.share)  # until the budget is back above 0
            self._timer = asyncio.get_running_loop().call_later(wait, self.drain)
