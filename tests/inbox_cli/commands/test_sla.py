"""`inbox sla` and the clocks in `list` and `show`, on a real replica."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Run, as_json

MBOX = ROOT / "examples" / "mail" / "support.mbox"
LATER = "2026-12-06T12:00:00Z"  # after every message of the mbox


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        ([], 2, "needs a target"),
        (["--first-response", "soon"], 2, "cannot read duration 'soon'"),
        (["--resolution", "0m"], 2, "more than 0"),
        (["--first-response", "1h", "--warn-before", "x"], 2, "cannot read duration 'x'"),
        (["--first-response", "1h", "--hours", "Mon-Fri 9-5"], 2, "business hours"),
        (["--first-response", "1h", "--hours", "Mon 09:00-17:00 Mars/Base"], 2, "no time zone"),
        (["--first-response", "1h", "--holidays-file", "/nonexistent/h.txt"], 2, "cannot read"),
    ],
)
def test_a_policy_that_could_not_run_is_not_saved(
    run: Run, args: list[str], code: int, says: str
) -> None:
    done = run("sla", "add", "std", *args)
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert as_json(run("sla", "list", "--json")) == []


def test_a_bad_holidays_line_is_named(run: Run, tmp_path: Path) -> None:
    days = tmp_path / "holidays.txt"
    days.write_text("# Berlin\n2026-12-24\n2026-12-25\nBoxing Day\n")
    done = run("sla", "add", "std", "--resolution", "2d", "--holidays-file", str(days), "--json")
    assert done.returncode == 2
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "usage" and "line 4" in error["message"]


def test_policies_are_listed_one_default_and_removed(run: Run, tmp_path: Path) -> None:
    days = tmp_path / "holidays.txt"
    days.write_text("2026-12-24  # Christmas Eve\n2026-12-25\n")
    made = run("sla", "add", "standard", "--first-response", "1h", "--next-response", "4h",
               "--resolution", "2d", "--hours", "Mon-Fri 09:00-17:00 Europe/Berlin",
               "--holidays-file", str(days), "--default")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert run("sla", "add", "vip", "--first-response", "15m", "--default").returncode == 0
    found = {p["name"]: p for p in as_json(run("sla", "list", "--json"))}
    assert found["standard"]["first_response"] == 3600 and found["standard"]["resolution"] == 172800
    assert found["standard"]["holidays"] == ["2026-12-24", "2026-12-25"]
    assert found["standard"]["warn_before"] == 900
    assert [n for n, p in found.items() if p["default"]] == ["vip"]  # the mark moved
    assert run("sla", "list").stdout.splitlines()[0].startswith("standard\tfirst response 1h, ")
    assert run("sla", "rm", "vip").returncode == 0
    assert run("sla", "rm", "vip").returncode == 5
    assert [p["name"] for p in as_json(run("sla", "list", "--json"))] == ["standard"]


def _rows(run: Run, *args: str, now: str = LATER) -> list[dict[str, Any]]:
    done = run("list", "--limit", "0", "--json", *args, env={"INBOX_NOW": now})
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def test_list_filters_and_sorts_by_the_sla(run: Run) -> None:
    assert run("import", str(MBOX)).returncode == 0
    assert all(r["sla_policy"] is None and r["sla_state"] is None for r in _rows(run))
    # saved after the mail came: every row is timed again
    assert run("sla", "add", "std", "--first-response", "1h", "--default").returncode == 0
    rows = _rows(run)
    timed = [r for r in rows if r["sla_due_at"]]
    assert timed and all(r["sla_policy"] == "std" for r in rows)
    breaching = {r["id"] for r in _rows(run, "--sla", "breaching")}
    assert breaching == {r["id"] for r in timed} and all(
        r["sla_state"] == "breaching" for r in timed
    )
    met = {r["id"] for r in _rows(run, "--sla", "met")}
    assert met == {r["id"] for r in rows if r["sla_state"] == "met"}
    assert not met & breaching
    # before the earliest is due, all are running; at it, that one is breaching
    before = _rows(run, "--sla", "due", now="2026-11-01T00:00:00Z")
    assert {r["id"] for r in before} == {r["id"] for r in timed}
    earliest = min(timed, key=lambda r: r["sla_due_at"])
    at_it = _rows(run, "--sla", "breaching", now=earliest["sla_due_at"])
    assert [r["id"] for r in at_it] == [earliest["id"]]
    ordered = [r["id"] for r in _rows(run, "--sort", "due")][: len(timed)]
    assert ordered == [r["id"] for r in sorted(timed, key=lambda r: (r["sla_due_at"], r["id"]))]
    assert run("list", "--sla", "late").returncode == 2


def test_pending_pauses_and_show_says_so(run: Run) -> None:
    assert run("import", str(MBOX)).returncode == 0
    assert run("sla", "add", "std", "--resolution", "30d", "--default").returncode == 0
    (first, *_) = _rows(run, "--sla", "due")
    done = run("status", first["id"], "pending", env={"INBOX_NOW": LATER})
    assert done.returncode == 0, done.stderr
    assert first["id"] not in {r["id"] for r in _rows(run, "--sla", "due")}
    (paused,) = [r for r in _rows(run, "--status", "pending") if r["id"] == first["id"]]
    assert paused["sla_state"] == "paused" and paused["sla_due_at"] is None
    shown = as_json(run("show", first["id"], "--json", env={"INBOX_NOW": LATER}))
    (target,) = shown["sla"]["targets"]
    assert target["target"] == "resolution" and target["state"] == "paused" and target["left"] > 0
    assert "resolution paused (" in run("show", first["id"]).stdout
    assert run("reopen", first["id"]).returncode == 0
    shown = as_json(run("show", first["id"], "--json"))
    assert shown["sla_state"] in ("due", "warning") and shown["sla_due_at"] > first["sla_due_at"]
    assert "resolution due in" in run("show", first["id"]).stdout


def test_a_rule_policy_wins_over_the_default_and_removing_it_clears_the_rows(run: Run) -> None:
    assert run("sla", "add", "std", "--first-response", "8h", "--default").returncode == 0
    assert run("sla", "add", "gold", "--first-response", "15m").returncode == 0
    rule = ["--when", "words:invoice", "--sla", "gold"]
    assert run("rule", "add", "billing", *rule).returncode == 0
    assert run("import", str(MBOX)).returncode == 0
    policies = {r["sla_policy"] for r in _rows(run)}
    assert policies == {"std", "gold"}
    assert run("rule", "rm", "billing").returncode == 0
    assert run("sla", "rm", "gold").returncode == 0
    assert {r["sla_policy"] for r in _rows(run)} == {"std"}  # gold's rows fall to the default
    assert run("sla", "rm", "std").returncode == 0
    assert _rows(run, "--sla", "breaching") == []
