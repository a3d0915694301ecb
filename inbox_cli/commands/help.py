"""inbox help [COMMAND [VERB]] [--man]"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("words", nargs="*", metavar="COMMAND", help="a command, and a verb of it")
    p.add_argument(
        "--man", action="store_true", help="write the man page (roff) of every command instead"
    )
    example(
        p,
        "inbox help list",
        "inbox help relay token create",
        "inbox help --man > ~/.local/share/man/man1/inbox.1   # then: man inbox",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.catalogue import parser_for

    if args.man:
        from inbox_cli import manpage

        ctx.out.line(manpage.roff(parser_for([], every=True)))
        return
    ctx.out.line(parser_for(args.words).format_help().rstrip("\n"))
