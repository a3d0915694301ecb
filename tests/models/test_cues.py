"""A table of named patterns (models/triage/cues.py): every name whose pattern the text
has, in any case."""

from __future__ import annotations

from models.triage.cues import Cues

TABLE = {"refund": r"\berstattung\b|\brefund\b", "outage": r"\bpanne\b"}


def test_every_name_found_in_any_case() -> None:
    cues = Cues(TABLE)
    assert cues.found("ERSTATTUNG bitte, und eine Panne") == {"refund", "outage"}
    assert cues.found("Refund?") == {"refund"}


def test_no_name_when_no_pattern_matches() -> None:
    assert Cues(TABLE).found("refunded is another word") == set()
