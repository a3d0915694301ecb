"""Token buckets by key (a visitor, an address), in bounded memory.

Past ``most`` keys, the fullest buckets are let go first (a full one allows what a new
one would), so what is held is bounded, whoever comes.
"""

from __future__ import annotations

import time


class Buckets:
    def __init__(self, rate: float, burst: float, most: int = 100_000) -> None:
        self.rate, self.burst, self.most = rate, burst, most
        self._held: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def allow(self, key: str, cost: float = 1.0, now: float | None = None) -> bool:
        """Take ``cost`` from ``key``'s bucket; False (and nothing taken) when it lacks it."""
        now = time.monotonic() if now is None else now
        tokens = self._level(key, now)
        if tokens < cost:
            self._held[key] = (tokens, now)
            return False
        self._held[key] = (tokens - cost, now)
        if len(self._held) > self.most:
            self._prune(now)
        return True

    def _level(self, key: str, now: float) -> float:
        held = self._held.get(key)
        if held is None:
            return self.burst
        return min(self.burst, held[0] + (now - held[1]) * self.rate)

    def _prune(self, now: float) -> None:
        levels = sorted(self._held, key=lambda k: self._level(k, now), reverse=True)
        for key in levels[: len(levels) - self.most // 2]:
            del self._held[key]
