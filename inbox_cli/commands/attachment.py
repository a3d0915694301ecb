"""inbox attachment list|get"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def _number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an attachment number (1, 2, ...)")
    return int(text)


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    listing = verb("list", "a conversation's attachments, numbered, and where each is")
    listing.add_argument("id", metavar="ID", help="any unique id prefix")
    add_output_flags(listing)
    example(listing, "inbox attachment list 3f2a", "inbox attachment list 3f2a --json")
    get = verb("get", "save an attachment (fetched from the relay on first use, then kept)")
    get.add_argument("id", metavar="ID", help="any unique id prefix")
    get.add_argument("n", metavar="N", type=_number, help="its number in `attachment list`")
    get.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write it (- for stdout; default: its file name, here)",
    )
    get.add_argument("--force", action="store_true", help="replace FILE if it exists")
    example(
        get,
        "inbox attachment get 3f2a 2                  # ./invoice.pdf",
        "inbox attachment get 3f2a 2 -o invoice.pdf",
        "inbox attachment get 3f2a 1 -o - | pdftotext - -",
    )
    example(p, "inbox attachment list 3f2a && inbox attachment get 3f2a 2 -o invoice.pdf")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    replica = ctx.replica
    ident = replica.resolve(args.id)
    if args.verb == "list":
        rows = [{**a, "where": _where(a)} for a in actions.attachments(replica, ident)]
        columns = [("n", "#"), ("filename", "file"), ("content_type", "type")]
        columns += [("size", "size"), ("where", "kept")]
        ctx.out.items(rows, columns)
        return
    from crdt.errors import NotFoundError
    from relay.client import blobs

    item = actions.attachment(replica, ident, args.n)
    if item["kept"] in ("over_limit", "missing"):
        raise NotFoundError(f"attachment {args.n} of {ident[:8]}: {item['note']}")
    item = blobs.fetched(replica, item)
    if args.output == "-":
        actions.copy_attachment(replica, item, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    dest = None if args.output is None else Path(args.output)
    saved = actions.save_attachment(replica, item, dest, force=args.force)
    ctx.out.say(f"saved {saved} ({item['size']} bytes)")


def _where(item: dict[str, Any]) -> str:
    if item["kept"] == "here":
        return "here"
    return str(item["note"])
