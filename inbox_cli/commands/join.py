"""inbox join"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inbox_cli.context import Context
from inbox_cli.parsing import example

if TYPE_CHECKING:
    from crdt.replica import Replica


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("url", metavar="RELAY_URL", help="https://HOST, or http:// on loopback")
    p.add_argument("--token-file", required=True, metavar="FILE", help="- for stdin")
    p.add_argument(
        "--name",
        metavar="NAME",
        help="your display name, unless the workspace's admin gave you one already",
    )
    p.add_argument(
        "--ca-file",
        metavar="FILE",
        help="PEM bundle of the CA that signed the relay's certificate (a private CA or a "
        "self-signed relay); kept for sync. Default: the system's CAs, or $SSL_CERT_FILE",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain http:// to a host off loopback (the token travels in clear "
        "text); TLS is always verified",
    )
    example(
        p,
        "inbox join https://relay.acme.example.com --token-file ben.token --name 'Ben Ortiz'",
        "inbox join http://127.0.0.1:8787 --token-file dana.token   # a replica of `inbox init`,",
        "                                  # joining the relay made from it (--from-replica)",
        "inbox join https://relay.acme.example.com --token-file new.token   # a new token",
        "inbox join https://10.0.0.5:8787 --token-file dana.token --ca-file acme-ca.pem",
        "inbox join http://127.0.0.1:8787 --token-file dana.token",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.progress import Progress
    from relay.client import link
    from relay.client.address import Relay, ca_file_path, check
    from relay.client.tokens import read_token

    relay = Relay(args.url, ca_file_path(args.ca_file), args.insecure)
    check(relay)  # a URL the token may not go to: refused before the token is read
    token = read_token(args.token_file)
    with Progress(ctx.out.err, "joining") as progress:
        again = link.rejoin(ctx.home, relay, token, progress.update)
        if again is None:
            replica = link.join(ctx.home, relay, token, progress.update, args.name)
    if again is not None and not again.attached:
        ctx.out.say(f"replaced the relay token of {ctx.home}; `inbox sync` uses it from now on")
        again.replica.close()
        return
    if again is not None:
        replica = again.replica
        ctx.out.say(
            f"{ctx.home} now syncs workspace {replica.workspace!r} with {relay.url}, as "
            f"{replica.agent}; `inbox sync --watch` keeps it in step"
        )
    else:
        ctx.out.say(
            f"joined workspace {replica.workspace!r} as {replica.agent} in {ctx.home}; "
            "`inbox sync --watch` keeps it in step"
        )
    _named(replica, args.name, ctx)
    replica.close()


def _named(replica: Replica, wanted: str | None, ctx: Context) -> None:
    """Say when the admin's name for the agent was kept over ``--name``."""
    shown = replica.agent_name(replica.agent)
    if wanted and shown != wanted:
        ctx.out.warn(
            f"the workspace names you {shown!r} already (an admin renames agents with "
            "`inbox agent add`); --name was not used"
        )
