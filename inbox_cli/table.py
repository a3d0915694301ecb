"""How a table fits a terminal: its width (80 when the terminal reports none), which
columns shrink first, and how cut text ends ("…", one cell wide, everywhere).

Pure arithmetic over widths, so the printer (``output.py``) only lays out what this
decides: columns keep their natural width when they fit; otherwise the columns a
command named shrink in its order, each down to 24 characters, then again each down
to 10; then columns drop from the right (never the first, the id); a lone column
still too wide is cut.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

FALLBACK_WIDTH = 80  # a terminal that reports 0 columns, or none
FLOORS = (24, 10)  # a shrinking column gives way to the first, then (all again) the second
GAP = 2  # spaces between columns
ELLIPSIS = "…"


def terminal_width(stream: TextIO) -> int:
    """$COLUMNS when set to a width, else what the terminal says, else 80."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        reported = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        reported = 0
    return reported if reported > 0 else FALLBACK_WIDTH


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ending in "…" when it lost some."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def fit(
    natural: Sequence[int], headers: Sequence[str], limit: int, shrink: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Which columns to show and each one's width, for a line of at most ``limit``.

    ``natural`` is each column's widest cell; ``shrink`` the indexes of the columns that
    may narrow, first to shrink first."""
    widths = list(natural)
    shown = list(range(len(widths)))

    def total() -> int:
        return sum(widths[i] for i in shown) + GAP * (len(shown) - 1)

    for least in FLOORS:  # all to the first floor before any goes below it
        for i in shrink:
            if total() <= limit:
                break
            floor = min(widths[i], max(least, len(headers[i])))
            widths[i] = max(floor, widths[i] - (total() - limit))
    while total() > limit and len(shown) > 1:
        shown.pop()
    if total() > limit:
        widths[shown[0]] = limit
    return shown, [widths[i] for i in shown]
