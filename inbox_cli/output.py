"""The one printer: tables on a terminal, TSV when piped, --json, --jsonl, -0.

stdout carries data only; people's messages go to stderr through ``say``/``warn``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from crdt.model.clock import ago as relative

Column = tuple[str, str]  # (field, header)


class Output:
    def __init__(
        self,
        mode: str = "auto",
        color: bool = True,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.mode = mode  # auto | json | jsonl | nul
        self.color = color
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    @property
    def tty(self) -> bool:
        return self.out.isatty()

    @property
    def colored(self) -> bool:
        return (
            self.color
            and self.tty
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )

    # -- data ------------------------------------------------------------------------------

    def items(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        cell: Callable[[str, dict[str, Any]], str] | None = None,
    ) -> None:
        if self.mode == "json":
            self._json(list(rows))
        elif self.mode == "jsonl":
            for row in rows:
                self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self.mode == "nul":
            for row in rows:
                self.out.write(str(row["id"]) + "\0")
        elif self.tty:
            self._table(rows, columns, cell)
        else:
            for row in rows:
                self.out.write("\t".join(_tsv(row.get(f)) for f, _ in columns) + "\n")

    def obj(self, value: dict[str, Any], text: Callable[[], Iterable[str]]) -> None:
        if self.mode in ("json", "jsonl"):
            self._json(value) if self.mode == "json" else self.out.write(
                json.dumps(value, ensure_ascii=False) + "\n"
            )
        else:
            for line in text():
                self.out.write(line + "\n")

    def ids(self, idents: Sequence[str]) -> None:
        """Conversation ids a command acted on: for piping into the next command."""
        if self.mode == "json":
            self._json([{"id": i} for i in idents])
        elif self.mode == "jsonl":
            for i in idents:
                self.out.write(json.dumps({"id": i}) + "\n")
        elif self.mode == "nul":
            self.out.write("".join(i + "\0" for i in idents))

    def _json(self, value: Any) -> None:
        self.out.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")

    def _table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        cell: Callable[[str, dict[str, Any]], str] | None,
    ) -> None:
        render = cell or (lambda f, r: _text(r.get(f)))
        grid = [[render(f, r) for f, _ in columns] for r in rows]
        widths = [max([len(h)] + [len(g[i]) for g in grid]) for i, (_, h) in enumerate(columns)]
        limit = os.get_terminal_size(self.out.fileno()).columns if self.tty else 200
        head = "  ".join(h.upper().ljust(w) for (_, h), w in zip(columns, widths, strict=True))
        self.out.write(self.style(head.rstrip()[:limit], "2") + "\n")
        for g in grid:
            line = "  ".join(c.ljust(w) for c, w in zip(g, widths, strict=True)).rstrip()
            self.out.write(line[:limit] + "\n")

    # -- people ----------------------------------------------------------------------------

    def style(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colored else text

    def say(self, text: str) -> None:
        self.err.write(text + "\n")

    def warn(self, text: str) -> None:
        self.err.write(
            ("warning: " if not self.err.isatty() else "\033[33mwarning:\033[0m ") + text + "\n"
        )

    def error(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        more: Sequence[str] = (),
    ) -> None:
        """An error: a JSON object (with any ``details``) in --json/--jsonl mode, else a line
        for people followed by ``more``."""
        if self.mode in ("json", "jsonl"):
            body = {"code": code, "message": message, **(details or {})}
            self.err.write(json.dumps({"error": body}, ensure_ascii=False) + "\n")
        else:
            self.err.write(f"error: {message}\n" + "".join(f"{line}\n" for line in more))


def _tsv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value).replace("\t", " ").replace("\n", " ")


def _text(value: Any) -> str:
    return _tsv(value)


def ago(iso: str | None, now: datetime | None = None) -> str:
    """A relative time for people: 'now', '5m ago', 'in 3h', or the date past a month."""
    return relative(iso, now or datetime.now(UTC)) if iso else ""
