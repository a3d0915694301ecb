"""inbox sync"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--watch", action="store_true", help="stay in step until interrupted")
    example(p, "inbox sync", "inbox sync --watch &")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import remote
    from crdt.errors import UsageError
    from inbox_cli.progress import Progress
    from relay import client

    replica = ctx.replica
    url = replica.store.meta(remote.URL_KEY)
    if not url:
        raise UsageError("this replica has no relay: `inbox join RELAY_URL --token-file FILE`")
    token = client.kept_token(ctx.home)
    if args.watch:
        client.watch(replica, url, token, ctx.out.say)
        return
    sent = len(remote.pending(replica))
    with Progress(ctx.out.err, "syncing") as progress:
        client.sync_once(replica, url, token, progress.update)
    ctx.out.say(f"in step with {url} (sent {sent} changed document(s))")
