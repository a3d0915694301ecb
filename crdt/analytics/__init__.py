"""Analytics over a replica: a DuckDB file derived from its index (``table.py``), the
figures of `inbox stats` (``stats.py``), its self-contained HTML report (``report.py``)
and `inbox export` (``export.py``). The command line reaches them through this face."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from crdt.analytics import table
from crdt.analytics.stats import BYS
from crdt.replica import Replica

__all__ = ["BYS", "FORMATS", "TABLES", "duration", "export", "parse_since", "stats", "write_report"]

FORMATS = ("parquet", "csv")
TABLES = tuple(table.TABLES)


def stats(replica: Replica, since: timedelta, by: str, rebuild: bool = False) -> dict[str, Any]:
    """The figures of the conversations begun in the last ``since``, grouped ``by``; with
    how the analytics file was brought up to date (``built``)."""
    from crdt.analytics.stats import compute
    from crdt.model import clock

    built = table.refresh(replica, rebuild)
    until = clock.now()
    with table.opened(table.path_of(replica)) as duck:
        found = compute(duck, until - since, until, by)
    found["built"] = {"how": built.how, "conversations": built.conversations}
    return found


def export(replica: Replica, fmt: str, out: Path, only: str | None = None) -> list[Path]:
    """The tables (or ``only`` one) as Parquet or CSV: into ``out`` when it is a
    directory (one file per table), else the one table into the file ``out``."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    table.refresh(replica)
    if out.is_dir():
        names = [only] if only else list(TABLES)
        targets = [out / f"{name}.{fmt}" for name in names]
    else:
        names = [only or "conversations"]
        targets = [out]
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    with table.opened(table.path_of(replica)) as duck:
        for name, target in zip(names, targets, strict=True):
            partial = target.with_name(f".{target.name}.partial")
            quoted = str(partial).replace("'", "''")
            duck.execute(f"COPY (SELECT * FROM {name} ORDER BY 1) TO '{quoted}' ({options})")
            partial.replace(target)
    return targets


def parse_since(text: str) -> timedelta:
    """'30d', '12h', '2w', '90m' as a span; ValueError otherwise."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    word = text.strip().lower()
    if len(word) < 2 or word[-1] not in units or not word[:-1].isdigit():
        raise ValueError(text)
    return timedelta(seconds=int(word[:-1]) * units[word[-1]])


def write_report(figures: dict[str, Any], workspace: str, out: Path) -> None:
    """The self-contained HTML report, written whole or not at all."""
    from crdt.analytics.report import html

    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(html(figures, workspace), encoding="utf-8")
    partial.replace(out)


def duration(seconds: Any) -> str:
    """Seconds for people: '42s', '17m', '3.5h', '2.1d'."""
    from crdt.analytics.report import duration as shown

    return shown(seconds)
