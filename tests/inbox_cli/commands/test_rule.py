"""`inbox rule` and `inbox team`: saved checked, run as `inbox import` brings mail, told."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, Run, as_json

MBOX = ROOT / "examples" / "mail" / "support.mbox"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--when", "tag:a and (", "--tag", "x"], 2, "bad condition at position 12"),
        (["--when", "colour:red", "--tag", "x"], 2, "unknown key 'colour'"),
        (["--when", "tag:a"], 2, "a rule needs an action"),
        (["--when", "tag:a", "--assign", "bob"], 2, "agent:EMAIL or team:NAME"),
        (["--when", "tag:a", "--assign", "team:nobody"], 5, "no team 'nobody'"),
        (["--when", "tag:a", "--assign", "agent:nobody"], 5, "no agent 'nobody'"),
        (["--when", "tag:a", "--tag", "x", "--max-open", "3"], 2, "choose within a team"),
        (["--when", "tag:a", "--sla", "gold"], 5, "no SLA policy 'gold'"),
        (["--when", "tag:a", "--priority", "huge"], 2, "invalid choice"),
    ],
)
def test_a_rule_that_could_not_run_is_not_saved(
    run: Run, args: list[str], code: int, says: str
) -> None:
    done = run("rule", "add", "r", *args)
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert as_json(run("rule", "list", "--json")) == []


def test_a_bad_condition_in_json_mode_is_a_json_error(run: Run) -> None:
    done = run("rule", "add", "r", "--when", "tag:a tag:b", "--tag", "x", "--json")
    assert done.returncode == 2
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "usage" and "position 7" in error["message"]


def test_teams_and_rules_are_listed_and_removed(run: Run) -> None:
    assert run("agent", "add", "ben@acme.example.com").returncode == 0
    made = run("team", "add", "finance", "ben", "me")
    assert made.returncode == 0, made.stderr
    (team,) = as_json(run("team", "list", "--json"))
    assert team["name"] == "finance" and len(team["members"]) == 2
    assert run("team", "add", "x", "nobody").returncode == 5
    rule = ["--when", "domain:bigco.example.com", "--assign", "team:finance"]
    assert run("rule", "add", "big", *rule, "--strategy", "least-busy").returncode == 0
    (shown,) = as_json(run("rule", "list", "--json"))
    assert shown["when"] == "domain:bigco.example.com" and shown["strategy"] == "least-busy"
    assert run("rule", "list").stdout.startswith("big\tdomain:bigco.example.com\tassign team")
    assert run("rule", "rm", "big").returncode == 0
    assert run("rule", "rm", "big").returncode == 5
    assert run("team", "rm", "finance").returncode == 0
    assert as_json(run("team", "list", "--json")) == []


def test_import_runs_the_rules_and_the_activity_names_them(run: Run) -> None:
    made = run("rule", "add", "refunds", "--when", "words:refund and not tag:vip",
               "--tag", "refund", "--priority", "urgent", "--assign", "agent:me")  # fmt: skip
    assert made.returncode == 0, made.stderr
    done = run("import", str(MBOX), "--json")
    assert done.returncode == 0, done.stderr
    assert as_json(done)["rules_fired"] >= 1
    rows = as_json(run("list", "--tag", "refund", "--json"))
    assert rows and all(r["priority"] == "urgent" and r["assignee"] for r in rows)
    shown = as_json(run("show", rows[0]["id"], "--json"))
    ruled = [(a["action"], a["detail"], a["rule"]) for a in shown["activity"] if a.get("rule")]
    assert sorted(ruled) == [
        ("assign", shown["assignee"], "refunds"),
        ("priority", "urgent", "refunds"),
        ("tag", "refund", "refunds"),
    ]
    assert "(rule refunds)" in run("show", rows[0]["id"]).stdout
    test = run("rule", "test", "refunds", rows[0]["id"])
    assert "words:refund: yes (refund)" in test.stdout
    assert "not tag:vip" not in test.stdout and "tag:vip: no (refund)" in test.stdout
    again = run("import", str(MBOX), "--json")
    assert as_json(again)["rules_fired"] == 0


def test_rule_test_of_an_unknown_rule_or_conversation_is_not_found(run: Run) -> None:
    assert run("rule", "add", "r", "--when", "tag:a", "--tag", "b").returncode == 0
    assert run("rule", "test", "nope", "0000").returncode == 5
    assert run("rule", "test", "r", "ffff").returncode == 5
