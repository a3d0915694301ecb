"""inbox sync"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--watch", action="store_true", help="stay in step until interrupted")
    example(p, "inbox sync", "inbox sync --watch &")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import UsageError
    from inbox_cli.progress import Progress
    from relay.client import link
    from relay.client.tokens import kept_token

    replica = ctx.replica
    url = replica.relay_url
    if not url:
        raise UsageError("this replica has no relay: `inbox join RELAY_URL --token-file FILE`")
    token = kept_token(replica.home)
    if args.watch:
        link.watch(replica, url, token, ctx.out.say)
        return
    with Progress(ctx.out.err, "syncing") as progress:
        done = link.sync_once(replica, url, token, progress.update, ctx.out.say)
    ctx.out.say(f"in step with {url} (sent {done.sent} changed document(s))")
