"""inbox demo [stop]"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_cli.context import Context
from inbox_cli.parsing import example

if TYPE_CHECKING:
    from inbox_cli.demo.launch import Running

TRY = """\
The demo runs in {where}:
a relay on {url}, and dana's and ben's replicas of its workspace,
each kept in step by `inbox sync --watch` in the background.

You are dana. Point inbox at her replica, then try:
{path}
  export INBOX_HOME={dana}
  inbox list
  inbox show {sample}

Ben's replica is {ben}: prefix a command as below, or export
INBOX_HOME in a second terminal. What he does reaches dana within a moment:

  INBOX_HOME={ben} inbox show {sample}
  INBOX_HOME={ben} inbox claim {sample}
  inbox show {sample}           # as dana: ben owns it now
  inbox who                 # ben is online, viewing {sample}

More to try as dana:

  inbox tag {sample} --add refund
  inbox note {sample} -m "@ben can you check the invoice?"
  INBOX_HOME={ben} inbox mentions   # ben sees the note
  inbox list --tag refund --json | jq '.[].subject'
  inbox list --assignee none -0 | inbox assign --to ali
  inbox search "double charge"
  inbox customer maria@example.com
  inbox import {examples}/mail/support.mbox   # again: adds nothing
  inbox template show refund-ok --for {sample}
  inbox macro run refund {sample}

Chat with the workspace as a website visitor: open {page}
in a browser and write in the chat bubble; as dana, `inbox list --channel chat` has it,
and `inbox reply ID -m "..."` is in the page at once.

Logs: {where}/relay.log and sync.log in each replica. When you are done:

  inbox demo stop{stop_dir}
"""


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "action",
        nargs="?",
        choices=["status", "stop"],
        help="status: is it running, where, which pids; stop: end what the demo started",
    )
    p.add_argument(
        "--dir",
        metavar="DIR",
        help="where the demo lives (default: $XDG_DATA_HOME/inbox-demo); recreated on each run",
    )
    p.add_argument("--json", action="store_true", help="status as one JSON document")
    example(
        p, "inbox demo", "inbox demo --dir /tmp/inbox-demo", "inbox demo status", "inbox demo stop"
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    import sys

    from crdt.demo.directory import default_dir
    from inbox_cli.demo import launch as demo

    # absolute: the lines printed below must work from any directory
    where = (Path(args.dir).expanduser() if args.dir else default_dir()).absolute()
    if args.action == "status":
        _status(where, demo.status(where), ctx)
        return
    if args.action == "stop":
        ended = demo.stop(where)
        ctx.out.say(
            f"stopped the demo in {where}: {', '.join(ended)}"
            if ended
            else f"nothing of the demo is running in {where}"
        )
        return
    running = demo.start(where, [sys.executable, "-m", "inbox_cli.main"])
    ctx.out.say(_what_to_try(running, default=args.dir is None))
    if not running.live:
        ctx.out.warn("the watchers are still connecting; `inbox who` may be empty for a moment")


def _status(where: Path, found: tuple[dict[str, int], str | None], ctx: Context) -> None:
    """`inbox demo status`: each running process and its pid on stdout (name, pid), what
    that means on stderr; exit 0 either way."""
    running, url = found
    rows = [{"id": name, "name": name, "pid": pid} for name, pid in running.items()]
    if ctx.out.mode == "json":
        report = {"dir": str(where), "running": bool(running), "url": url, "processes": rows}
        ctx.out.obj(report, list)
        return
    if not running:
        ctx.out.say(f"the demo is not running in {where}" + ("" if url else " (no demo there)"))
        return
    ctx.out.say(f"the demo is running in {where}, its relay on {url}:")
    ctx.out.items(rows, [("name", "process"), ("pid", "pid")])


def _what_to_try(running: Running, default: bool) -> str:
    """The lines to paste, paths quoted for the shell."""
    import shlex
    import shutil
    import sys

    from crdt.demo.directory import TEAMMATE, YOU, examples_dir

    bindir = Path(sys.argv[0]).resolve().parent
    path = "" if shutil.which("inbox") else f"\n  export PATH={shlex.quote(str(bindir))}:$PATH"
    return TRY.format(
        where=running.where,
        url=running.url,
        page=running.page,
        dana=shlex.quote(str(running.homes[YOU])),
        ben=shlex.quote(str(running.homes[TEAMMATE])),
        path=path,
        sample=running.sample[:4],
        examples=shlex.quote(str(examples_dir())),
        stop_dir="" if default else f" --dir {shlex.quote(str(running.where))}",
    )
