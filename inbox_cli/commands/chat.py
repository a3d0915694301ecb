"""inbox chat origins add|list|rm: the sites allowed to embed the website chat widget"""

from __future__ import annotations

import argparse
from pathlib import Path

from inbox_cli.commands.relay import store_option
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

COLUMNS = [("origin", "origin"), ("created_at", "added")]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    origins = verb("origins", "the sites allowed to embed the widget: add, list, rm")
    origin_verb = verbs(origins, f"{name} origins")
    for action, summary in (
        ("add", "allow a site (scheme://host[:port]) to embed the widget"),
        ("rm", "no longer allow a site; its visitors' sockets are refused from now on"),
    ):
        sub = origin_verb(action, summary)
        sub.add_argument("origin", metavar="ORIGIN", help="e.g. https://www.acme.example.com")
        store_option(sub)
        example(sub, f"inbox chat origins {action} https://www.acme.example.com --store ./relay.db")
    listing = origin_verb("list", "every site allowed to embed the widget")
    store_option(listing)
    add_output_flags(listing)
    example(listing, "inbox chat origins list --store ./relay.db")
    example(
        p,
        "inbox chat origins add https://www.acme.example.com --store ./relay.db",
        '# on the site: <script src="https://relay.acme.example.com/widget.js"'
        ' data-workspace="acme" defer></script>',
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import NotFoundError
    from crdt.model import clock
    from relay.chat.origins import normal
    from relay.store import RelayStore

    if args.verb == "list":
        with RelayStore.open(Path(args.store_path)) as store:
            rows = [{"id": o["origin"], **o} for o in store.origins()]
        ctx.out.items(rows, COLUMNS)
        if not rows:
            ctx.out.say("no site may embed the widget yet: `inbox chat origins add ORIGIN`")
        return
    origin = normal(args.origin)
    if args.verb == "add":
        with RelayStore.open(Path(args.store_path), create=True) as store:
            new = store.add_origin(origin, clock.now_iso())
        ctx.out.say(f"{'allowed' if new else 'already allowed'}: {origin}")
        return
    with RelayStore.open(Path(args.store_path)) as store:
        if not store.remove_origin(origin):
            raise NotFoundError(f"{origin} is not allowed in {args.store_path}")
    ctx.out.say(f"no longer allowed: {origin}")
