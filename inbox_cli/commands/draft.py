"""inbox draft"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID", help="any unique id prefix")
    p.add_argument(
        "--rewrite",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let the local model reword the draft, checked by the same guardrails "
        "(default: only with a model you chose with `inbox model use`)",
    )
    p.add_argument("--force", action="store_true", help="replace a draft you already saved")
    add_output_flags(p)
    example(
        p,
        "inbox draft 3f2a            # then: inbox reply 3f2a sends it",
        "inbox draft 3f2a --json     # body, sources, flags",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from models.assist import draft

    replica = ctx.replica
    ident = replica.resolve(args.id)
    suggestion = draft.suggest(replica, ident, args.rewrite)
    draft.save(replica, suggestion, force=args.force)
    for note in suggestion.notes:
        ctx.out.warn(note)
    ctx.out.obj(suggestion.as_dict(), lambda: suggestion.body.splitlines())
    used = ", ".join(
        f"{s.kind} {s.id[:8] if s.kind == 'conversation' else s.id}" for s in suggestion.sources[:1]
    )
    ctx.out.say(
        f"draft saved for {ident[:8]} from {used or 'no source (a holding reply)'}; "
        f"`inbox reply {ident[:8]}` sends it"
    )
    for flag in suggestion.flags:
        what = "rejected the " + flag.rejected + " text" if flag.rejected else "check"
        ctx.out.warn(f"{flag.rule} ({what}): {', '.join(flag.items)}")
