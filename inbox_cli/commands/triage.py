"""inbox triage"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crdt.errors import UsageError
from crdt.model.vocab import CATEGORIES, PRIORITIES, SENTIMENTS
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example

FIELDS = ("category", "priority", "sentiment")


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="id prefixes (stdin when none)")
    p.add_argument("--eval", metavar="FILE.jsonl", help="accuracy on a labelled file instead")
    p.add_argument(
        "--category",
        choices=CATEGORIES,
        metavar="CATEGORY",
        help=f"set it yourself, it wins over triage: {', '.join(CATEGORIES)}",
    )
    p.add_argument(
        "--priority",
        choices=PRIORITIES,
        metavar="LEVEL",
        help=f"set it yourself (as inbox priority): {', '.join(PRIORITIES)}",
    )
    p.add_argument(
        "--sentiment",
        choices=SENTIMENTS,
        metavar="TONE",
        help=f"set it yourself, it wins over triage: {', '.join(SENTIMENTS)}",
    )
    add_output_flags(p)
    example(
        p,
        "inbox triage 3f2a",
        "inbox list --status open -0 | inbox triage --json",
        "inbox triage 3f2a --category refund --sentiment negative",
        "inbox triage --eval labelled.jsonl --json",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    if args.eval:
        if args.ids:
            raise UsageError("--eval reads a file: give it no ids")
        _evaluate(ctx, Path(args.eval))
        return
    ids = ctx.ids(args.ids)
    corrections = {f: getattr(args, f) for f in FIELDS if getattr(args, f)}
    if corrections:
        _correct(ctx, ids, corrections)
        return
    from models.triage.apply import triage_conversations

    rows, fallback = triage_conversations(ctx.replica, ids)
    if fallback:
        ctx.out.warn(f"no embedding model: {fallback}")
    columns = [("conversation", "id"), *((f, f) for f in FIELDS), ("note", "note")]
    ctx.out.items([{"id": r["conversation"], **r} for r in rows], columns, _cell)


def _cell(name: str, row: dict[str, Any]) -> str:
    """A label with its confidence, or who set it; what is unsure, said."""
    if name == "note":
        low = row["low_confidence"]
        return f"low confidence: {', '.join(low)}" if low else ""
    if name not in FIELDS:
        return str(row[name])
    if row["set_by"][name] == "agent":
        return f"{row[name]} (set by an agent)"
    return f"{row[name]} {row['confidence'][name]:.2f}"


def _correct(ctx: Context, ids: list[str], corrections: dict[str, str]) -> None:
    from crdt import actions

    for field, value in corrections.items():
        if field == "priority":
            actions.set_priority(ctx.replica, ids, value)
        else:
            actions.set_label(ctx.replica, ids, field, value)
    said = " ".join(f"{f} {v}" for f, v in corrections.items())
    for ident in ids:
        ctx.out.say(f"{ident[:8]} {said}")
    ctx.out.ids(ids)


def _evaluate(ctx: Context, path: Path) -> None:
    from models import triage

    rows = triage.read(path)
    model, fallback = triage.triager(None)
    if fallback:
        ctx.out.warn(f"no embedding model: {fallback}")
    report = triage.evaluate(rows, model)

    def text() -> list[str]:
        acc = report["accuracy"]
        lines = [f"n {report['n']}  method {report['method']}"]
        lines += [f"{f:<10} {acc[f]:.1%}" for f in FIELDS]
        lines.append(f"seconds per message {report['seconds_per_message']:.3f}")
        for f in FIELDS:
            lines.append(f"{f} confusion (gold: predicted count ...)")
            for gold, got in sorted(report["confusion"][f].items()):
                cells = " ".join(f"{k} {v}" for k, v in sorted(got.items(), key=lambda p: -p[1]))
                lines.append(f"  {gold}: {cells}")
        return lines

    ctx.out.obj(report, text)
