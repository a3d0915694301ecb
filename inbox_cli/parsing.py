"""How commands declare their options: shared flag groups, verbs, examples.

Each command module has ``configure(parser, name)`` and ``run(args, ctx)``; a command
with verbs (``inbox template add|list|show|rm``) makes a real subcommand of each, with
its own ``--help``, flags and example.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

Verb = Callable[[str, str], argparse.ArgumentParser]


class Parser(argparse.ArgumentParser):
    """argparse with its help and usage errors written through the printer's cleaning;
    the parsers of commands and verbs are made of the same class."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            from inbox_cli.output import for_people

            for_people(file or sys.stderr, message)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A value outside the choices (a mistyped command, verb or status) names the
        close ones: "invalid choice: 'lsit'; did you mean 'list'?"."""
        choices = action.choices
        if choices is not None and value not in choices:
            hint = did_you_mean(str(value), [str(c) for c in choices])
            if hint:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint}")
        super()._check_value(action, value)


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """ "; did you mean 'list'?" for the known words close to ``word``, else ""."""
    import difflib

    close = difflib.get_close_matches(word, known, n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def subparsers(
    parser: argparse.ArgumentParser, **kw: Any
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """``add_subparsers`` whose parsers are ``Parser``s, so they clean and suggest too."""
    return parser.add_subparsers(parser_class=Parser, **kw)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """--home, --no-color and --no-pager, accepted after the command (and its verb) too."""
    parser.add_argument(
        "--home", metavar="DIR", default=argparse.SUPPRESS, help="the replica directory"
    )
    parser.add_argument(
        "--no-color", action="store_true", default=argparse.SUPPRESS, help="no colour in output"
    )
    parser.add_argument(
        "--no-pager", action="store_true", default=argparse.SUPPRESS, help="never page output"
    )


def word_among(words: list[str], choices: Sequence[str], usage: str) -> tuple[str, list[str]]:
    """The one word of ``choices`` given first or last among ids, and the ids: `inbox
    priority high 3f2a` and `inbox priority 3f2a high` alike (status takes both too)."""
    from crdt.errors import UsageError

    if words and words[-1] in choices:
        return words[-1], words[:-1]
    if words and words[0] in choices:
        return words[0], words[1:]
    raise UsageError(f"give one of {', '.join(choices)}: {usage}")


def add_output_flags(parser: argparse.ArgumentParser, nul: bool = False) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="one JSON document")
    group.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    if nul:
        group.add_argument("-0", dest="nul", action="store_true", help="NUL-separated ids")


TERMINAL_LIMIT = 50  # rows a terminal shows unless --limit says otherwise


def add_message_flags(parser: argparse.ArgumentParser, what: str) -> None:
    """Where an outgoing message's text comes from, and what goes with it (`reply`,
    `compose`): one set of flags, so both read the same."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-m", "--message", metavar="TEXT")
    source.add_argument("--body-file", metavar="FILE", help="- for stdin")
    source.add_argument("--template", metavar="NAME", help="a saved reply, rendered")
    parser.add_argument(
        "--macro", metavar="NAME", help="apply a macro's actions too (and send its reply)"
    )
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help=f"send FILE with the {what} (repeatable); `inbox sync` takes it to the relay",
    )
    parser.add_argument("--draft", action="store_true", help="save as a draft, send nothing")


def add_limit(parser: argparse.ArgumentParser) -> None:
    """--limit for listings: a terminal shows the first 50 and says when it cut; piped
    output (TSV, -0, --json, --jsonl) is never cut unless asked, since a script cannot see
    a cut."""
    parser.add_argument(
        "--limit",
        type=_count,
        metavar="N",
        help=f"at most N rows, 0 for all (default: {TERMINAL_LIMIT} on a terminal, all when piped)",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a count: {text!r} (0 or more; 0 for all)")
    return value


def example(parser: argparse.ArgumentParser, *lines: str) -> None:
    parser.epilog = "Example:\n" + "\n".join(f"  {line}" for line in lines)


def verbs(parser: argparse.ArgumentParser, command: str) -> Verb:
    """The verbs of ``command`` as subcommands; returns ``add(verb, summary)``, which makes
    one and gives back its parser (its ``verb`` is set for ``run`` to dispatch on)."""
    subs = subparsers(parser, dest="verb", metavar="VERB", required=True)

    def add(verb: str, summary: str) -> argparse.ArgumentParser:
        sub = subs.add_parser(
            verb,
            help=summary,
            description=summary[:1].upper() + summary[1:] + ".",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            prog=f"inbox {command} {verb}",
        )
        add_global_options(sub)
        return sub

    return add
