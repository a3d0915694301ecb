"""Progress on stderr for long work, only when stderr is a terminal."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label = stream, label
        self.live = stream.isatty()
        self.last = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if not self.live or now - self.last < 0.1:
            return
        self.last = now
        of = f"/{total}" if total else ""
        self.stream.write(f"\r{self.label} {done}{of}\033[K")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
