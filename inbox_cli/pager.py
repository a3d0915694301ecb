"""Long output on a terminal through a pager, as git does: $INBOX_PAGER, else $PAGER,
else the config file's pager, else ``less -FRX``; never when piped, for --json, with
--no-pager, or when the pager is ``cat`` or empty.

The command writes to a buffer that stands in for the terminal (tables and colours as
on it); what fits the screen is written there directly, the rest is handed to the pager.
"""

from __future__ import annotations

import io
import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from inbox_cli.output import Output

DEFAULT = "less -FRX"  # -F: quit when it fits; -R: colours; -X: leave the text on screen


def command(configured: str | None = None) -> list[str]:
    """The pager to run, or [] for none; the environment wins over the config file."""
    chosen = os.environ.get("INBOX_PAGER")
    if chosen is None:
        chosen = os.environ.get("PAGER")
    if chosen is None:
        chosen = configured if configured is not None else DEFAULT
    words = shlex.split(chosen)
    return [] if not words or words == ["cat"] else words


class _Screen(io.StringIO):
    """A buffer the printer takes for the terminal it will end up on."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.terminal.fileno()


@contextmanager
def paged(out: Output, pager: list[str]) -> Iterator[None]:
    """What the block prints on ``out``'s stdout, through ``pager`` when it is longer
    than the screen; as it is when stdout is no terminal, for JSON, or with no pager."""
    if not pager or out.mode != "auto" or not out.out.isatty():
        yield
        return
    terminal = out.out
    screen = out.out = _Screen(terminal)
    try:
        yield
    finally:
        out.out = terminal
        _show(screen.getvalue(), terminal, pager)


def _show(text: str, terminal: TextIO, pager: list[str]) -> None:
    import subprocess

    rows = os.get_terminal_size(terminal.fileno()).lines
    if rows and text.count("\n") < rows:
        terminal.write(text)
        return
    env = {"LESS": "FRX", "LV": "-c", **os.environ}  # as git sets them, unless set
    terminal.flush()
    try:
        subprocess.run(pager, input=text, text=True, env=env, check=False)
    except OSError:  # no such pager: the text still reaches the person
        terminal.write(text)
