"""inbox config get|set|list"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    from inbox_cli.config import KEYS

    known = ", ".join(KEYS)
    verb = verbs(p, name)
    get = verb("get", "the value a key has in the config file")
    get.add_argument("key", metavar="KEY", choices=KEYS, help=known)
    example(get, "inbox config get list.limit")
    put = verb("set", "set a key in the config file (the file is rewritten whole, atomically)")
    put.add_argument("key", metavar="KEY", choices=KEYS, help=known)
    put.add_argument("value", metavar="VALUE")
    example(put, "inbox config set list.limit 200", "inbox config set color false")
    listing = verb("list", "every key the config file sets, and where it is")
    add_output_flags(listing)
    example(listing, "inbox config list", "inbox config list --json")
    example(p, "inbox config set editor nano", "inbox config list")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import NotFoundError
    from inbox_cli import config

    if args.verb == "get":
        if args.key not in ctx.settings:
            raise NotFoundError(f"{args.key} is not set in {config.path()}")
        ctx.out.line(_shown(ctx.settings[args.key]))
    elif args.verb == "set":
        values = {**ctx.settings, args.key: config.parse_value(args.key, args.value)}
        where = config.save(values)
        ctx.out.say(f"{args.key} = {_shown(values[args.key])} in {where}")
    else:
        if ctx.out.mode == "json":
            ctx.out.obj({"file": str(config.path()), "settings": ctx.settings}, list)
            return
        rows = [{"id": k, "key": k, "value": _shown(v)} for k, v in ctx.settings.items()]
        ctx.out.items(rows, [("key", "key"), ("value", "value")])


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
