"""inbox(1) in roff, written from the parser itself, so it cannot drift from --help.

`inbox help --man` prints it; pip cannot install a man page, so the README says where
to put it (``~/.local/share/man/man1/inbox.1`` is on man's default path for a user).
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Iterator

from inbox_cli import __version__
from inbox_cli.catalogue import subcommands

ENVIRONMENT = {
    "INBOX_HOME": "the replica directory (overrides the config file's home)",
    "INBOX_AGENT": "act as another agent of the workspace (email, handle or me)",
    "INBOX_PAGER, PAGER": "the pager for long output on a terminal (default: less -FRX; "
    "cat or empty: none)",
    "VISUAL, EDITOR": "the editor for replies and notes (default: the config file's editor, "
    "else vi)",
    "NO_COLOR": "no colour in output",
    "XDG_CONFIG_HOME": "where config.toml lives: $XDG_CONFIG_HOME/inbox/config.toml "
    "(default ~/.config)",
    "XDG_DATA_HOME": "where the replica lives by default: $XDG_DATA_HOME/inbox "
    "(default ~/.local/share)",
}
EXIT_STATUS = {
    "0": "done (also: already so)",
    "1": "error",
    "2": "usage (also: a bad config file)",
    "3": "conflict: claimed by someone else, a reply held",
    "4": "not authorised",
    "5": "not found, or an ambiguous id prefix",
    "130": "interrupted",
}


def roff(top: argparse.ArgumentParser) -> str:
    """The whole page for the parser of every command (``parser_for([], every=True)``)."""
    lines = [
        f'.TH INBOX 1 "" "inbox {__version__}" "User Commands"',
        ".SH NAME",
        "inbox \\- " + _text(top.description or "").rstrip("."),
        ".SH SYNOPSIS",
        ".B inbox",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]",
        ".SH OPTIONS",
        *_options(top),
        ".SH COMMANDS",
    ]
    shared = {o for a in top._actions for o in a.option_strings} - {"-h", "--help"}
    for name, parser in subcommands(top).items():
        lines += _command(f"inbox {name}", parser, shared)
    lines.append(".SH ENVIRONMENT")
    for name, what in ENVIRONMENT.items():
        lines += [".TP", f"\\fB{_text(name)}\\fR", _text(what)]
    lines += [".SH EXIT STATUS"]
    for code, what in EXIT_STATUS.items():
        lines += [".TP", f"\\fB{code}\\fR", _text(what)]
    lines += [
        ".SH FILES",
        ".TP",
        "\\fI$XDG_CONFIG_HOME/inbox/config.toml\\fR",
        "defaults: home, editor, pager, color, and [list] status and limit "
        "(see \\fBinbox config\\fR)",
    ]
    return "\n".join(lines)


def _command(words: str, parser: argparse.ArgumentParser, shared: Collection[str]) -> Iterator[str]:
    """One command (or verb) and its own options; the shared ones are under OPTIONS."""
    yield f".SS {_text(words)}"
    usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
    yield f"\\fB{_text(usage)}\\fR"
    yield ".PP"
    yield _text(parser.description or "")
    yield from _options(parser, shared)
    if parser.epilog:
        yield ".PP"
        yield ".nf"
        yield from (_text(line) for line in parser.epilog.splitlines())
        yield ".fi"
    for verb, sub in subcommands(parser).items():
        yield from _command(f"{words} {verb}", sub, shared)


def _options(parser: argparse.ArgumentParser, shared: Collection[str] = ()) -> Iterator[str]:
    formatter = parser._get_formatter()
    for action in parser._actions:
        own = not set(action.option_strings) & set(shared)
        drawn = not isinstance(action, argparse._SubParsersAction | argparse._HelpAction)
        if not (own and drawn) or action.help == argparse.SUPPRESS:
            continue
        yield ".TP"
        yield f"\\fB{_text(formatter._format_action_invocation(action))}\\fR"
        yield _text(formatter._expand_help(action) if action.help else "")


def _text(text: str) -> str:
    """Text roff prints as it is: backslashes and hyphens escaped, no line read as a
    request (a leading dot or quote)."""
    out = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + out if out[:1] in (".", "'") else out
