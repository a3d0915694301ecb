"""inbox demo"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, example

TRY = """\
The demo workspace is ready in {home} (you are dana@acme.example.com).
Point inbox at it, then try:

  export INBOX_HOME={home}{path}
  inbox list
  inbox show {sample}
  inbox claim {sample} && inbox tag {sample} --add refund
  inbox note {sample} -m "@ben can you check the invoice?"
  INBOX_AGENT=ben inbox mentions
  inbox list --tag refund --json | jq '.[].subject'
  inbox list --status open -0 | inbox assign --to ali
  inbox search "double charge"
  inbox customer maria@example.com
  inbox import {examples}/mail/support.mbox     # again: adds nothing
  inbox template show refund-ok --for {sample}
  inbox macro run refund {sample}
"""


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", nargs="?", choices=["stop"], help="end what the demo started")
    p.add_argument(
        "--dir",
        metavar="DIR",
        help="where the demo lives (default: $XDG_DATA_HOME/inbox-demo); recreated on each run",
    )
    example(p, "inbox demo", "inbox demo --dir /tmp/inbox-demo")


def run(args: argparse.Namespace, ctx: Context) -> None:
    import shutil
    import sys
    from pathlib import Path

    from crdt import demo

    # absolute: the export line printed below must work from any directory
    where = (Path(args.dir).expanduser() if args.dir else demo.default_dir()).absolute()
    if args.action == "stop":
        ctx.out.say("the demo runs nothing in the background yet; nothing to stop")
        return
    replica, sample = demo.build(where)
    replica.close()
    bindir = Path(sys.argv[0]).resolve().parent
    on_path = shutil.which("inbox") is not None
    path = "" if on_path else f"\n  export PATH={bindir}:$PATH"
    ctx.out.say(TRY.format(home=where, path=path, sample=sample[:4], examples=demo.examples_dir()))
