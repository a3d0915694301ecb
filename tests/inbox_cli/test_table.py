"""Tables on odd terminals (inbox_cli/table.py): a width of 0 is 80, columns shrink in
the order a command chose, cut text ends in "…", nothing runs past the edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_cli import table
from tests.conftest import add_chats, run_inbox, run_on_screen

SUBJECT = "My invoice for November was charged twice and I would like a refund please"


@pytest.fixture
def wide(home: Path) -> Path:
    """Conversations whose customer and subject are wider than a terminal wants."""
    chats = [
        {
            "visitor": f"someone.with.a.long.name{n}@example.com",
            "at": f"2026-11-0{n + 1}T10:00:00Z",
            "messages": [["in", SUBJECT]],
        }
        for n in range(3)
    ]
    first = add_chats(home, chats)[0]
    assert run_inbox(home, "tag", first, "--add", "refund", "--add", "billing").returncode == 0
    return home


def _header(shown: str) -> list[str]:
    return shown.splitlines()[0].split()


def test_a_terminal_of_zero_columns_gets_an_80_column_table(wide: Path) -> None:
    code, shown, err = run_on_screen(wide, "list", columns=0)
    assert code == 0, err
    lines = shown.splitlines()
    assert len(lines) == 4 and all(0 < len(line) <= 80 for line in lines)
    assert _header(shown) == ["ID", "STATUS", "ASSIGNEE", "CUSTOMER", "SUBJECT", "TAGS", "UPDATED"]


def test_at_100_columns_every_column_stays_and_cut_text_says_so(wide: Path) -> None:
    code, shown, err = run_on_screen(wide, "list", columns=100)
    assert code == 0, err
    lines = shown.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert _header(shown)[-2:] == ["TAGS", "UPDATED"]
    assert "billing,refund" in lines[1]  # short enough: not cut
    assert "My invoice for Novemb… " in lines[1]  # the subject gave way first
    assert "2026-11-02" in shown  # UPDATED whole


def test_a_narrow_terminal_drops_columns_from_the_right_keeping_the_id(wide: Path) -> None:
    code, shown, err = run_on_screen(wide, "list", columns=20)
    assert code == 0, err
    assert _header(shown) == ["ID", "STATUS"]
    assert all(len(line) <= 20 for line in shown.splitlines())


def test_fit_shrinks_in_the_chosen_order_to_each_floor_in_turn() -> None:
    headers = ["ID", "A", "B", "C"]
    assert table.fit([4, 40, 40, 5], headers, 200, [1, 2]) == ([0, 1, 2, 3], [4, 40, 40, 5])
    # B gives way first, to 24; then A to 24
    assert table.fit([4, 40, 40, 5], headers, 73, [2, 1]) == ([0, 1, 2, 3], [4, 34, 24, 5])
    assert table.fit([4, 40, 40, 5], headers, 63, [2, 1]) == ([0, 1, 2, 3], [4, 24, 24, 5])
    # past both first floors, B again first, down to 10
    assert table.fit([4, 40, 40, 5], headers, 50, [2, 1]) == ([0, 1, 2, 3], [4, 24, 11, 5])
    # at every floor: the rightmost columns drop, never the first
    assert table.fit([4, 40, 40, 5], headers, 30, [2, 1]) == ([0, 1, 2], [4, 10, 10])
    assert table.fit([40], ["ID"], 12, []) == ([0], [12])


def test_cut_text_ends_in_one_ellipsis() -> None:
    assert table.cut("refund", 6) == "refund"
    assert table.cut("refunded", 6) == "refun…"
    assert table.cut("refunded", 1) == "…"
    assert table.cut("refunded", 0) == ""
