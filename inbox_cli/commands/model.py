"""inbox model list|use"""

from __future__ import annotations

import argparse
from pathlib import Path

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    listing = verb("list", "the shipped model and the GGUF files you added")
    add_output_flags(listing)
    example(listing, "inbox model list", "inbox model list --json")
    use = verb("use", "use a GGUF model file on this replica (not shared with the team)")
    use.add_argument("path", metavar="PATH.gguf")
    example(use, "inbox model use ~/models/qwen2.5-1.5b.gguf")
    example(p, "inbox model list", "inbox model use ~/models/model.gguf")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from models import catalogue

    if args.verb == "use":
        chosen = catalogue.use(ctx.home, Path(args.path))
        ctx.out.say(f"using {chosen.name} ({chosen.path})")
        return
    rows = [
        {
            "id": str(m.path),
            "name": m.name,
            "path": str(m.path),
            "size": m.size,
            "shipped": m.shipped,
            "in_use": m.in_use,
        }
        for m in catalogue.listing(ctx.home)
    ]
    if not rows and ctx.out.table:
        ctx.out.warn("no model installed: make .venv/bin/.installed, or see the README")
    ctx.out.items(
        rows,
        [("name", "name"), ("size", "bytes"), ("in_use", "in use"), ("path", "path")],
    )
