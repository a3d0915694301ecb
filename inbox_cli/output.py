"""The one printer: tables on a terminal, TSV when piped, --json, --jsonl, -0.

stdout carries data only; people's messages go to stderr through ``say``/``warn``.
Every line written for people, on either stream, goes through ``_line``, which drops
control, escape and bidi override characters (``crdt/model/printable.py``) before the
printer adds its own colours, so text from mail or a teammate can never steer the
terminal, whichever field or command it comes through (tests/inbox_cli/test_output.py
holds every other module of the command line to writing through here). JSON stays
exact: the characters JSON leaves raw that a terminal may act on are written as
``\\uXXXX`` escapes, which a JSON reader turns back into the same text.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from crdt.model.clock import ago as relative
from crdt.model.printable import BIDI, DEL_AND_C1, for_terminal
from inbox_cli import table

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

Column = tuple[str, str]  # (field, header)

# What json.dumps(ensure_ascii=False) leaves raw that a terminal may act on (it escapes
# C0 itself): DEL, C1, bidi overrides, and the line and paragraph separators.
_RAW_IN_JSON = re.compile(f"[{DEL_AND_C1}{BIDI}\u2028\u2029]")


class Styled(NamedTuple):
    """A whole line in one style (an SGR code such as "1" or "33"): the printer cleans
    the text first and colours it after, so only its own escapes reach the terminal."""

    text: str
    code: str


Line = str | Styled


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
    def table(self) -> bool:
        """Rows print as a table for a person (not --json, --jsonl, -0, nor piped)."""
        return self.mode == "auto" and self.tty

    @property
    def colored(self) -> bool:
        return self._colours(self.out)

    # -- data ------------------------------------------------------------------------------

    def items(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        cell: Callable[[str, dict[str, Any]], str] | None = None,
        shrink: Sequence[str] = (),
    ) -> None:
        """Rows in the output's mode. On a terminal the fields named in ``shrink`` narrow
        first, in that order, when the table is wider than the terminal."""
        if self.mode == "json":
            self._json(list(rows))
        elif self.mode == "jsonl":
            for row in rows:
                self.out.write(_json_line(row) + "\n")
        elif self.mode == "nul":
            for row in rows:
                self.out.write(str(row["id"]) + "\0")  # generated hex ids: exact
        elif self.tty:
            self._table(rows, columns, cell, shrink)
        else:
            for row in rows:
                self._line(self.out, "\t".join(_tsv(row.get(f)) for f, _ in columns))

    def obj(self, value: dict[str, Any], text: Callable[[], Iterable[Line]]) -> None:
        if self.mode in ("json", "jsonl"):
            self._json(value) if self.mode == "json" else self.out.write(_json_line(value) + "\n")
        else:
            for line in text():
                self._line(self.out, line)

    def event(self, row: dict[str, Any], columns: Sequence[Column], text: Line) -> None:
        """One row of a stream as it happens (`inbox watch`): a JSON line with --jsonl, a
        line for people on a terminal, else a TSV row; flushed at once for the reader."""
        if self.mode in ("json", "jsonl"):
            self.out.write(_json_line(row) + "\n")
        elif self.tty:
            self._line(self.out, text)
        else:
            self._line(self.out, "\t".join(_tsv(row.get(f)) for f, _ in columns))
        self.out.flush()

    def line(self, text: str) -> None:
        """One line of data on stdout, whatever the mode (a token printed once)."""
        self._line(self.out, text)

    def ids(self, idents: Sequence[str]) -> None:
        """Conversation ids a command acted on: for piping into the next command."""
        if self.mode == "json":
            self._json([{"id": i} for i in idents])
        elif self.mode == "jsonl":
            for i in idents:
                self.out.write(_json_line({"id": i}) + "\n")
        elif self.mode == "nul":
            self.out.write("".join(i + "\0" for i in idents))

    def _json(self, value: Any) -> None:
        self.out.write(_raw_escaped(json.dumps(value, ensure_ascii=False, indent=2)) + "\n")

    def _line(self, stream: TextIO, line: Line) -> None:
        """Where every line for people is written: cleaned, then coloured."""
        if isinstance(line, Styled):
            text = for_terminal(line.text)
            text = f"\033[{line.code}m{text}\033[0m" if self._colours(stream) else text
        else:
            text = for_terminal(line)
        stream.write(text + "\n")

    def _colours(self, stream: TextIO) -> bool:
        return (
            self.color
            and stream.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )

    def _table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        cell: Callable[[str, dict[str, Any]], str] | None,
        shrink: Sequence[str],
    ) -> None:
        """Aligned columns within the terminal's width (``table.py`` decides which shrink,
        which drop); cut text ends in "…"."""
        render = cell or (lambda f, r: _tsv(r.get(f)))
        grid = [[for_terminal(_tsv(render(f, r))) for f, _ in columns] for r in rows]
        headers = [h.upper() for _, h in columns]
        natural = [max([len(h)] + [len(g[i]) for g in grid]) for i, h in enumerate(headers)]
        fields = [f for f, _ in columns]
        order = [fields.index(f) for f in shrink if f in fields]
        if not order:  # none chosen: the widest first, never the first column (the key)
            order = sorted(range(1, len(fields)), key=lambda i: -natural[i])
        shown, widths = table.fit(natural, headers, table.terminal_width(self.out), order)

        def line(cells: Sequence[str]) -> str:
            laid = (table.cut(cells[i], w).ljust(w) for i, w in zip(shown, widths, strict=True))
            return "  ".join(laid).rstrip()

        self._line(self.out, self.style(line(headers), "2"))
        for g in grid:
            self._line(self.out, line(g))

    # -- people ----------------------------------------------------------------------------

    def style(self, text: str, code: str) -> Styled:
        """A line in a style, coloured when written where colour is on."""
        return Styled(text, code)

    def say(self, text: str) -> None:
        self._line(self.err, text)

    def warn(self, text: str) -> None:
        prefix = "\033[33mwarning:\033[0m " if self._colours(self.err) else "warning: "
        self.err.write(prefix)
        self._line(self.err, text)

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
            self.err.write(_json_line({"error": body}) + "\n")
        else:
            for line in (f"error: {message}", *more):
                self._line(self.err, line)


def for_people(stream: SupportsWrite[str], text: str) -> None:
    """Text written as the printer writes lines, for argparse's help and usage errors
    (which quote arguments, and an argument may have come from a pipe)."""
    stream.write(for_terminal(text))


def _tsv(value: Any) -> str:
    """A field on one line: a tab or line break in it would split the row (piped output
    is for line tools; --json carries the exact text)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_tsv(v) for v in value)
    return _ONE_FIELD.sub(" ", str(value))


_ONE_FIELD = re.compile(r"[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _json_line(value: Any) -> str:
    return _raw_escaped(json.dumps(value, ensure_ascii=False))


def _raw_escaped(encoded: str) -> str:
    """JSON text with the characters a terminal may act on as \\u escapes: the same
    JSON to any reader. They can only be inside strings, where an escape means them."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", encoded)


def ago(iso: str | None, now: datetime | None = None) -> str:
    """A relative time for people: 'now', '5m ago', 'in 3h', or the date past a month."""
    return relative(iso, now or datetime.now(UTC)) if iso else ""
