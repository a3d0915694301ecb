"""inbox join"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("url", metavar="RELAY_URL")
    p.add_argument("--token-file", required=True, metavar="FILE", help="- for stdin")
    example(p, "inbox join http://127.0.0.1:8787 --token-file dana.token")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.progress import Progress
    from relay.client import link
    from relay.client.tokens import read_token

    token = read_token(args.token_file)
    with Progress(ctx.out.err, "joining") as progress:
        replica = link.join(ctx.home, args.url, token, progress.update)
    ctx.out.say(
        f"joined workspace {replica.workspace!r} as {replica.agent} in {ctx.home}; "
        "`inbox sync --watch` keeps it in step"
    )
    replica.close()
