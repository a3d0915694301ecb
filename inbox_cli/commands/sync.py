"""inbox sync"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--watch", action="store_true", help="stay in step until interrupted")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain http:// to a relay off loopback (once joined with --insecure, "
        "the replica remembers it)",
    )
    p.add_argument(
        "--ca-file",
        metavar="FILE",
        help="check the relay's certificate against this PEM CA bundle from now on",
    )
    example(p, "inbox sync", "inbox sync --watch &")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import RefusedError
    from inbox_cli.progress import Progress
    from relay.client import blobs
    from relay.client.address import Relay, ca_file_path, check
    from relay.client.tokens import kept_token

    replica = ctx.replica
    relay = Relay.of(replica, args.insecure, ca_file_path(args.ca_file))
    token = kept_token(replica.home)
    if args.ca_file:
        check(relay)  # an https relay, and a CA that loads
        replica.trust_relay_ca(str(relay.ca_file))
    if args.watch:
        blobs.watch(replica, relay, token, ctx.out.say)
        return
    with Progress(ctx.out.err, "syncing") as progress:
        done, files = blobs.sync_once(replica, relay, token, progress.update, ctx.out.say)
    also = f", {files} attachment(s)" if files else ""
    ctx.out.say(f"in step with {relay.url} (sent {done.sent} changed document(s){also})")
    if done.refused:
        raise RefusedError(
            f"the relay refused {len(done.refused)} of them; they were dropped here (below)"
        )
