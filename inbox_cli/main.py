"""Entry point: find the command, import only its module, run it, map errors to exit codes.

Commands live one per module in ``inbox_cli/commands``; only the one being run
is imported, so `inbox list` never pays for what `inbox import` needs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from inbox_cli.context import Context
from inbox_cli.parsing import Parser, add_global_options

# name -> (module, one-line summary); order is the order of `inbox --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "create a workspace replica here"),
    "list": ("list_", "list conversations"),
    "show": ("show", "show a conversation: thread, notes, activity"),
    "claim": ("claim", "take conversations (exclusive)"),
    "assign": ("assign", "assign conversations to an agent"),
    "unassign": ("assign", "leave conversations unassigned"),
    "tag": ("tag", "add or remove tags"),
    "note": ("note", "add an internal note (@name mentions)"),
    "reply": ("reply", "reply to the customer (queued for delivery); drafts"),
    "status": ("status", "set status: open, pending, closed"),
    "close": ("status", "close conversations"),
    "reopen": ("status", "reopen conversations"),
    "snooze": ("snooze", "hide conversations until a time"),
    "unsnooze": ("snooze", "wake snoozed conversations"),
    "priority": ("priority", "set priority: urgent, high, normal, low"),
    "merge": ("merge", "merge conversations into another"),
    "search": ("search", "full-text search over subjects, messages and notes"),
    "customer": ("customer", "a customer's whole history"),
    "mentions": ("mentions", "notes that mention you"),
    "import": ("import_", "import mail from an mbox file or Maildir (idempotent)"),
    "template": ("template", "saved replies: add, list, show, rm"),
    "macro": ("macro", "named sets of actions: add, list, show, rm, run"),
    "agent": ("agent", "agents of the workspace: add, list"),
    "mailbox": ("mailbox", "shared addresses of the workspace: add, list, rm"),
    "reindex": ("reindex", "rebuild the index from the documents"),
    "join": ("join", "become a replica of a relay's workspace"),
    "sync": ("sync", "exchange changes with the relay (--watch: stay in step)"),
    "relay": ("relay", "run the relay; create and revoke agents' tokens"),
    "who": ("who", "who is online, and what they are viewing or typing in"),
    "demo": ("demo", "set up the embedded demo workspace"),
}


def _top_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="inbox",
        description="A local-first shared team inbox for customer support.",
        epilog="Example: inbox list --status open --tag refund\n"
        "Run `inbox COMMAND --help` for a command's options and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="the replica directory (default: $INBOX_HOME, else $XDG_DATA_HOME/inbox)",
    )
    parser.add_argument("--no-color", action="store_true", help="no colour in output")
    parser.add_argument("--version", action="version", version="inbox 0.1.0")
    return parser


def _command_name(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The top parser with the chosen command's options; every command only for help
    or a mistyped name (building them all costs ~25 ms a run)."""
    parser = _top_parser()
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _command_name(argv)
    names = [chosen] if chosen in COMMANDS else list(COMMANDS)
    for name in names:
        module, summary = COMMANDS[name]
        sub = subs.add_parser(
            name,
            help=summary,
            description=summary.capitalize() + ".",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == chosen:
            add_global_options(sub)  # also after the command name: `inbox list --home DIR`
            mod = importlib.import_module(f"inbox_cli.commands.{module}")
            mod.configure(sub, name)
            sub.set_defaults(run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    ctx = Context.from_args(args)
    return ctx.run(args.run, args)


if __name__ == "__main__":
    sys.exit(main())
