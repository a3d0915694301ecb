"""Listings that were cut know how much they left out, counted no further than a cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt.replica import Filters, Replica
from crdt.store import queries
from tests.conftest import add_chats, new_home


@pytest.fixture
def five(tmp_path: Path) -> Path:
    home = new_home(tmp_path / "replica")
    chats = [
        {
            "visitor": f"c{n}@example.com",
            "at": f"2026-11-0{n + 1}T10:00:00Z",
            "messages": [["in", f"Refund {n}"]],
        }
        for n in range(5)
    ]
    add_chats(home, chats)
    return home


def test_a_cut_page_counts_every_match(five: Path) -> None:
    with Replica.open(five) as replica:
        page = replica.conversations(Filters(limit=2))
        assert (len(page.rows), page.total, page.capped, page.cut) == (2, 5, False, True)
        whole = replica.conversations(Filters(limit=None))
        assert (len(whole.rows), whole.total, whole.cut) == (5, 5, False)
        found = replica.search("refund", 3)
        assert (len(found.rows), found.total, found.cut) == (3, 5, True)


def test_the_count_stops_at_its_cap(five: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    with Replica.open(five) as replica:
        page = replica.conversations(Filters(limit=1))
        assert (len(page.rows), page.total, page.capped) == (1, 3, True)
        found = replica.search("refund", 1)
        assert (found.total, found.capped) == (3, True)


@pytest.mark.parametrize(
    ("sort", "assignee"),
    [(sort, None) for sort in sorted(queries.SORTS)] + [("updated", "dana@acme.example.com")],
)
def test_every_sort_reads_its_page_from_an_index(
    five: Path, sort: str, assignee: str | None
) -> None:
    """A sort no index gives sorts every matching row before the first page (0.3 s of a
    100k replica's `inbox list`); one agent's own (`--assignee me`) read in order too."""
    with Replica.open(five) as replica:
        where = "merged_into IS NULL AND status = 'open'"
        if assignee:
            where += f" AND assignee = '{assignee}'"
        plan = replica.store.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM conversations WHERE {where} "
            f"ORDER BY {queries.SORTS[sort]} LIMIT 51"
        ).fetchall()
    steps = " / ".join(str(step[-1]) for step in plan)
    assert "USING INDEX" in steps and "TEMP B-TREE" not in steps, steps
