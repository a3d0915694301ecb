"""Ids on stdin (inbox_cli/context.py): every id that was sent is acted on, or the
command fails and changes nothing; none is skipped."""

from __future__ import annotations

import pytest

from tests.conftest import Run, as_json


def _tagged(run: Run, tag: str) -> set[str]:
    return {r["id"] for r in as_json(run("list", "--tag", tag, "--json"))}


@pytest.mark.parametrize("sep", [" ", "\t", " \t  "], ids=repr)
def test_any_whitespace_separates_ids(run: Run, conversations: list[str], sep: str) -> None:
    done = run("tag", "--add", "x", stdin=sep.join(c[:6] for c in conversations) + "\n")
    assert done.returncode == 0, done.stderr
    assert _tagged(run, "x") == set(conversations)


def test_json_from_list_feeds_ids(run: Run, conversations: list[str]) -> None:
    for flag, tag in (("--json", "x"), ("--jsonl", "y"), ("-0", "z")):
        done = run("tag", "--add", tag, stdin=run("list", flag).stdout)
        assert done.returncode == 0, done.stderr
        assert _tagged(run, tag) == set(conversations)


@pytest.mark.parametrize(
    "stdin",
    ["{a} nonsense {b}", "{a}\topen\tmaria@example.com", "{a}\0not an id\0", '[{{"id": 3}}]'],
    ids=["word", "tsv row", "nul", "json"],
)
def test_a_word_that_is_not_an_id_is_refused_and_nothing_changes(
    run: Run, conversations: list[str], stdin: str
) -> None:
    done = run("tag", "--add", "x", stdin=stdin.format(a=conversations[0], b=conversations[1]))
    assert done.returncode == 2, done.stderr
    assert "stdin" in done.stderr and done.stdout == ""
    assert _tagged(run, "x") == set()


def test_an_id_that_matches_nothing_is_not_found_and_nothing_changes(
    run: Run, conversations: list[str]
) -> None:
    done = run("tag", "--add", "x", stdin=f"{conversations[0]} ffffffff")
    assert done.returncode == 5
    assert "ffffffff" in done.stderr
    assert _tagged(run, "x") == set()


def test_stdin_that_is_not_utf8_is_refused(run: Run, conversations: list[str]) -> None:
    done = run("tag", "--add", "x", stdin=b"\xff\xfe" + conversations[0].encode())
    assert done.returncode == 2
    assert "UTF-8" in done.stderr.decode() and b"Traceback" not in done.stderr
