"""inbox reindex"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example
from inbox_cli.progress import Progress


def configure(p: argparse.ArgumentParser, name: str) -> None:
    example(p, "inbox reindex")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    with Progress(ctx.out.err, "reindexing") as progress:
        n = actions.reindex(ctx.replica, progress.update)
    ctx.out.say(f"reindexed {n} documents")
