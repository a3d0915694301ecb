"""Accuracy of triage on a labelled file (the format of the project's triage-dev set):
one JSON object a line with ``subject``, ``body`` and the gold ``category``,
``priority`` and ``sentiment``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from crdt.errors import NotFoundError, UsageError
from crdt.model.triage import FIELDS
from models.triage import seed
from models.triage.classify import Triager

MAX_ROWS = 100_000


def read(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise NotFoundError(f"no file {path}") from exc
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{n}: not JSON ({exc})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("body"), str):
            raise UsageError(f"{path}:{n}: a row needs a body")
        missing = [f for f in FIELDS if not isinstance(row.get(f), str)]
        if missing:
            raise UsageError(f"{path}:{n}: a row needs {', '.join(missing)}")
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise UsageError(f"{path}: more than {MAX_ROWS} rows")
    if not rows:
        raise UsageError(f"{path}: no labelled rows")
    return rows


def evaluate(rows: list[dict[str, Any]], triager: Triager) -> dict[str, Any]:
    """``n``, ``accuracy`` per field, ``confusion`` (field -> gold -> predicted -> count),
    ``seconds_per_message`` (triage only, the model's loading not counted), ``method``."""
    confusion: dict[str, dict[str, dict[str, int]]] = {f: {} for f in FIELDS}
    right = dict.fromkeys(FIELDS, 0)
    started = time.perf_counter()
    for row in rows:
        result = triager.triage(seed.text_of(row))
        for f in FIELDS:
            got = result.labels[f].value
            cell = confusion[f].setdefault(row[f], {})
            cell[got] = cell.get(got, 0) + 1
            right[f] += got == row[f]
    elapsed = time.perf_counter() - started
    return {
        "n": len(rows),
        "accuracy": {f: round(right[f] / len(rows), 4) for f in FIELDS},
        "confusion": confusion,
        "seconds_per_message": round(elapsed / len(rows), 4),
        "method": triager.method,
    }
