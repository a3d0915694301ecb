"""The SLA clocks' transitions as time passes, on a real replica: each window told once,
a target met in time tells no breach, a later target's warning after an earlier one's
breach, and a policy changed before due tells no stale breach (the times are given:
no clock is waited for)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crdt.model import events
from crdt.replica import Replica
from crdt.sync.sla_clock import SlaClock
from tests.conftest import Run

DAY = "2026-01-05"  # a Monday


def _mail(n: int, who: str, at: str) -> str:
    return (
        f"From {who} Mon Jan  5 10:00:00 2026\n"
        f"From: Customer {n} <{who}>\n"
        "To: support@acme.example.com\n"
        f"Subject: Question {n}\n"
        f"Date: {at}\n"
        f"Message-ID: <q{n}@mail.example.com>\n"
        "\n"
        f"Question number {n}, please help.\n\n"
    )


def _at(hhmm: str) -> str:
    return f"{DAY}T{hhmm}:00.000Z"


def _told(clocks: SlaClock, home: Path, hhmm: str) -> list[tuple[str, str, str, str]]:
    replica = Replica.open(home)
    try:
        found = clocks.passed(replica.store.conn, _at(hhmm))
    finally:
        replica.close()
    return [(e["subject"], e["event"], e["target"], e["due_at"]) for e in found]


def _import(run: Run, tmp_path: Path) -> dict[str, str]:
    mbox = tmp_path / "two.mbox"
    mbox.write_text(
        _mail(1, "one@example.com", "Mon, 05 Jan 2026 10:00:00 +0000")
        + _mail(2, "two@example.com", "Mon, 05 Jan 2026 10:00:00 +0000")
    )
    assert run("import", str(mbox)).returncode == 0
    rows: list[dict[str, Any]] = json.loads(run("list", "--json").stdout)
    return {r["subject"]: r["id"] for r in rows}


def test_transitions_are_told_once_each_as_their_windows_pass(
    run: Run, home: Path, tmp_path: Path
) -> None:
    ids = _import(run, tmp_path)
    policy = ("--first-response", "1h", "--resolution", "3h", "--default")
    assert run("sla", "add", "std", *policy).returncode == 0
    answered = run("reply", ids["Question 2"], "-m", "On it.", env={"INBOX_NOW": _at("10:30")})
    assert answered.returncode == 0, answered.stderr
    clocks = SlaClock(_at("10:00"))
    assert _told(clocks, home, "10:40") == []
    # question 2 was answered at 10:30, before its warning (10:45): nothing for it
    assert _told(clocks, home, "10:50") == [
        ("Question 1", "sla.warning", "first_response", _at("11:00"))
    ]
    assert _told(clocks, home, "11:05") == [
        ("Question 1", "sla.breached", "first_response", _at("11:00"))
    ]
    assert _told(clocks, home, "11:05") == [] and _told(clocks, home, "12:30") == []
    # the resolution's clock runs on past the first response's breach
    assert sorted(_told(clocks, home, "12:50")) == [
        ("Question 1", "sla.warning", "resolution", _at("13:00")),
        ("Question 2", "sla.warning", "resolution", _at("13:00")),
    ]


def test_a_policy_changed_before_due_tells_no_stale_breach(
    run: Run, home: Path, tmp_path: Path
) -> None:
    _import(run, tmp_path)
    assert run("sla", "add", "std", "--resolution", "1h", "--default").returncode == 0
    clocks = SlaClock(_at("10:00"))
    assert [t[1] for t in _told(clocks, home, "10:50")] == ["sla.warning"] * 2
    assert run("sla", "add", "std", "--resolution", "2h", "--default").returncode == 0
    assert _told(clocks, home, "11:30") == []  # the old due time passed: no longer due
    late = sorted((t[1], t[3]) for t in _told(clocks, home, "12:00"))
    due = _at("12:00")  # the new due time: its own warning (at 11:45) and breach
    assert late == [("sla.breached", due)] * 2 + [("sla.warning", due)] * 2


def test_a_window_looked_at_again_gives_the_same_ids(run: Run, home: Path, tmp_path: Path) -> None:
    _import(run, tmp_path)
    assert run("sla", "add", "std", "--first-response", "1h", "--default").returncode == 0
    seen = []
    for _ in range(2):  # a notifier started again over the same window
        replica = Replica.open(home)
        try:
            found = SlaClock(_at("10:00")).passed(replica.store.conn, _at("11:30"))
        finally:
            replica.close()
        seen.append(sorted(e["id"] for e in found))
        kinds = [e["event"] for e in found]
        assert sorted(kinds) == [events.SLA_BREACHED] * 2 + [events.SLA_WARNING] * 2
    assert seen[0] == seen[1] and len(set(seen[0])) == 4


def test_a_reply_and_a_new_conversation_between_looks_are_seen_at_the_next(
    run: Run, home: Path, tmp_path: Path
) -> None:
    ids = _import(run, tmp_path)
    assert run("sla", "add", "std", "--first-response", "1h", "--default").returncode == 0
    clocks = SlaClock(_at("10:00"))
    assert [t[1] for t in _told(clocks, home, "10:50")] == ["sla.warning"] * 2
    answered = run("reply", ids["Question 1"], "-m", "Done.", env={"INBOX_NOW": _at("10:55")})
    assert answered.returncode == 0, answered.stderr
    third = tmp_path / "third.mbox"
    third.write_text(_mail(3, "three@example.com", "Mon, 05 Jan 2026 10:30:00 +0000"))
    assert run("import", str(third)).returncode == 0
    # question 1 was met in time; question 3's warning (11:15) has not come yet
    assert _told(clocks, home, "11:05") == [
        ("Question 2", "sla.breached", "first_response", _at("11:00"))
    ]
    assert _told(clocks, home, "11:20") == [
        ("Question 3", "sla.warning", "first_response", _at("11:30"))
    ]
    assert _told(clocks, home, "11:40") == [
        ("Question 3", "sla.breached", "first_response", _at("11:30"))
    ]
    assert _told(clocks, home, "23:00") == []
