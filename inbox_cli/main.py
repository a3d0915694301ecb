"""Entry point: find the command, import only its module, run it, map errors to exit codes.

Commands live one per module in ``inbox_cli/commands``; only the one being run
is imported, so `inbox list` never pays for what `inbox import` needs.
"""

from __future__ import annotations

import sys

from inbox_cli.catalogue import COMMANDS, build_parser

__all__ = ["COMMANDS", "build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["__complete"]:  # the shells' completion scripts: no replica opened
        from inbox_cli import complete  # unless a value is an id, a tag or an agent

        return complete.answer(args_list[1:])
    from crdt.errors import UsageError
    from inbox_cli import config

    try:
        settings = config.load()
    except UsageError as exc:  # before any command: a bad file is not half applied
        from inbox_cli.output import Output

        Output().error(exc.code, exc.message)
        return exc.exit_code
    parser = build_parser(args_list, settings=settings)
    args = parser.parse_args(args_list)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    from inbox_cli.context import Context

    ctx = Context.from_args(args, settings)
    return ctx.run(args.run, args)


if __name__ == "__main__":
    sys.exit(main())
