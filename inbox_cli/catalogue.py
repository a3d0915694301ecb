"""The commands: name -> (module, summary), and the argparse tree built from them.

`inbox` runs, `inbox help`, the man page and shell completion all read this one table
and build the same parser, so a flag added to a command shows in each of them.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from inbox_cli import __version__
from inbox_cli.parsing import Parser, add_global_options, subparsers

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
    "compose": ("compose", "start an email conversation: a new message from a mailbox"),
    "status": ("status", "set status: open, pending, closed"),
    "close": ("status", "close conversations"),
    "reopen": ("status", "reopen conversations"),
    "snooze": ("snooze", "hide conversations until a time"),
    "unsnooze": ("snooze", "wake snoozed conversations"),
    "priority": ("priority", "set priority: urgent, high, normal, low"),
    "ticket": ("ticket", "make a conversation a numbered ticket; its type, status, fields; list"),
    "ticket-type": (
        "ticket_type",
        "the workspace's own ticket types, beside the four: add, list, rm",
    ),
    "merge": ("merge", "merge conversations into another"),
    "attachment": ("attachment", "a conversation's attachments: list, get (save one)"),
    "triage": ("triage", "category, priority and tone by the local model; --eval a labelled file"),
    "draft": (
        "draft",
        "a suggested reply from saved replies and past answers, saved as your draft",
    ),
    "summarize": ("summarize", "a thread in a few lines: what was asked, promised, is open"),
    "similar": ("similar", "past conversations like this one, and how they were answered"),
    "model": ("model", "the local models: list, use a GGUF file"),
    "search": ("search", "full-text search over subjects, messages and notes"),
    "customer": ("customer", "a customer's whole history"),
    "mentions": ("mentions", "notes that mention you"),
    "stats": ("stats", "volume, response and resolution times, workload (--html: a report)"),
    "export": ("export", "conversations, messages and events as Parquet or CSV"),
    "import": ("import_", "import mail from an mbox file or Maildir (idempotent)"),
    "template": ("template", "saved replies: add, list, show, rm"),
    "macro": ("macro", "named sets of actions: add, list, show, rm, run"),
    "agent": ("agent", "agents of the workspace: add, list"),
    "team": ("team", "teams of agents, for rules to assign: add, list, rm"),
    "rule": ("rule", "routing rules run as mail arrives: add, list, show, rm, test"),
    "sla": ("sla", "SLA policies: how long customers may wait, in business hours: add, list, rm"),
    "mailbox": ("mailbox", "shared addresses of the workspace: add, list, rm"),
    "reindex": ("reindex", "rebuild the index from the documents"),
    "join": ("join", "become a replica of a relay's workspace"),
    "sync": ("sync", "exchange changes with the relay (--watch: stay in step)"),
    "relay": ("relay", "run the relay; create and revoke agents' tokens"),
    "who": ("who", "who is online, and what they are viewing or typing in"),
    "watch": ("watch", "a live stream of events (--jsonl for scripts); keeps in step too"),
    "notify": ("notify", "tell events to Slack or signed webhooks, from beside the relay"),
    "chat": ("chat", "website chat: the sites allowed to embed the widget"),
    "demo": ("demo", "set up the embedded demo workspace; its status; stop it"),
    "config": ("config", "defaults from the config file: get, set, list"),
    "completion": ("completion", "print a shell's completion script: bash, zsh, fish"),
    "help": ("help", "a command's help (as --help), or the man page (--man)"),
}


def top_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="inbox",
        description="A local-first shared team inbox for customer support.",
        epilog="Example: inbox list --status open --tag refund\n"
        "Run `inbox help COMMAND` (or `inbox COMMAND --help`) for a command's options "
        "and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="the replica directory (default: $INBOX_HOME, else the config file's home, "
        "else $XDG_DATA_HOME/inbox)",
    )
    parser.add_argument("--no-color", action="store_true", help="no colour in output")
    parser.add_argument(
        "--no-pager", action="store_true", help="never page long output (as PAGER=cat)"
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"inbox {__version__}", help="the version"
    )
    return parser


def command_name(argv: list[str]) -> str | None:
    """The command word of ``argv``: its first word that is not a top-level option."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(
    argv: list[str], every: bool = False, settings: dict[str, Any] | None = None
) -> argparse.ArgumentParser:
    """The top parser with the chosen command's options; every command's names only for
    help or a mistyped name (building them all costs ~25 ms a run), and every command's
    options with ``every`` (the man page). ``settings`` (the config file) give commands
    their defaults: `[list] status, limit` are `inbox list`'s, which flags override."""
    parser = top_parser()
    subs = subparsers(parser, dest="command", metavar="COMMAND")
    chosen = command_name(argv)
    names = [chosen] if chosen in COMMANDS and not every else list(COMMANDS)
    for name in names:
        module, summary = COMMANDS[name]
        sub = subs.add_parser(
            name,
            help=summary,
            description=summary[:1].upper() + summary[1:] + ".",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if every or name == chosen:
            add_global_options(sub)  # also after the command name: `inbox list --home DIR`
            mod = importlib.import_module(f"inbox_cli.commands.{module}")
            mod.configure(sub, name)
            sub.set_defaults(run=mod.run, **_defaults(name, settings or {}))
    return parser


def _defaults(command: str, settings: dict[str, Any]) -> dict[str, Any]:
    """A command's option defaults from the config file (``list.limit`` -> ``limit``)."""
    prefix = command + "."
    return {k.removeprefix(prefix): v for k, v in settings.items() if k.startswith(prefix)}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's subcommands (commands, or a command's verbs) by name; {} for none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def parser_for(words: list[str], every: bool = False) -> argparse.ArgumentParser:
    """The parser of ``inbox WORDS...`` (a command, or a verb of one), for its help."""
    from crdt.errors import UsageError
    from inbox_cli.parsing import did_you_mean

    parser = build_parser(words, every)
    for depth, word in enumerate(words):
        found = subcommands(parser)
        if word not in found:
            where = " ".join(["inbox", *words[:depth]])
            hint = did_you_mean(word, list(found))
            raise UsageError(f"{where} has no command {word!r}{hint}")
        parser = found[word]
    return parser
