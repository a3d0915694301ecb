"""Triage on each labelled set with that set left out of the seeds, the neighbours alone
beside the neighbours with the linear vote (models/triage/linear.py).

    python benchmarks/triage_left_out.py          # dev and benchmarks/data/triage-*.jsonl
    python benchmarks/triage_left_out.py --file a.jsonl --file b.jsonl

A set whose rows are seeds (the blind sets that joined them) is measured against the
others only, so the choice between the two votes is not read off the rows it is scored
on; the rules and tone cues were shaped on those sets' misses all the same, so their
figures flatter both columns alike. Vectors go through a models cache in a temporary
home (the first run embeds ~1,300 texts, ~70 s on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from crdt.model.triage import FIELDS  # noqa: E402
from models import embed  # noqa: E402
from models.triage import Triager, evaluate, read, seed  # noqa: E402

DEV = HERE.parent / "tests" / "data" / "triage-dev.jsonl"


def accuracy(
    rows: list[dict[str, Any]], seeds: list[dict[str, Any]], embedder: embed.Embedder, learnt: bool
) -> dict[str, float]:
    model = Triager(embedder, seeds=seeds, learnt=learnt)
    return dict(evaluate(rows, model)["accuracy"])


def row(cells: list[str]) -> None:
    print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, action="append")
    args = parser.parse_args()
    files = args.file or [DEV, *sorted((HERE / "data").glob("triage-*.jsonl"))]
    with tempfile.TemporaryDirectory() as home:
        embedder = embed.cached(Path(home))
        every = seed.rows()
        row(["set", "its rows among the seeds", "neighbours", "+ linear vote"])
        row(["---"] * 4)
        pairs = []
        for path in files:
            rows = read(path)
            held = {seed.text_of(r) for r in rows}
            seeds = [r for r in every if seed.text_of(r) not in held]
            pair = [accuracy(rows, seeds, embedder, learnt) for learnt in (False, True)]
            pairs.append(pair)
            row([path.stem, str(len(every) - len(seeds)), *map(shown, pair)])
        means = [{f: statistics.mean(p[i][f] for p in pairs) for f in FIELDS} for i in (0, 1)]
        row([f"mean of {len(pairs)}", "", *map(shown, means)])


def shown(acc: dict[str, float]) -> str:
    return " / ".join(f"{acc[f]:.1%}" for f in FIELDS)


if __name__ == "__main__":
    main()
