"""Rules across replicas: two replicas import the same mail offline, each fires the rule
its own way (each sees only itself online), and after sync both keep one outcome; a replica
that imports mail the rule fired for elsewhere does not fire it again. (Two firings that
do meet in one document merge to one: tests/crdt/model/test_firings.py.)"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.conftest import run_inbox
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, ok


def join(relay: RelayProcess, home: Path, agent: str, *token: str) -> Path:
    done = run_inbox(home, "join", relay.url, "--token-file", str(relay.token(agent, *token)))
    assert done.returncode == 0, done.stderr
    return home


def outcome(home: Path) -> dict[str, tuple[str | None, list[str], list[tuple[str, str]]]]:
    """Per conversation: its owner, its tags, and the rules fired for which messages."""
    out = {}
    for row in json.loads(ok(home, "list", "--status", "all", "--json")):
        shown = json.loads(ok(home, "show", row["id"], "--json"))
        fired = sorted((f["rule"], f["message"]) for f in shown["rules_fired"])
        out[row["id"]] = (row["assignee"], row["tags"], fired)
    return out


def test_a_rule_fired_on_two_replicas_at_once_keeps_one_outcome(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = join(relay, tmp_path / "a", DANA, "--admin")
    ok(a, "agent", "add", BEN)
    ok(a, "team", "add", "support", DANA, BEN)
    ok(a, "rule", "add", "route", "--when", "channel:email", "--assign", "team:support",
       "--tag", "routed")  # fmt: skip
    ok(a, "sync")
    b = join(relay, tmp_path / "b", BEN)
    assert "route" in ok(b, "rule", "list")
    # both import the same mail before either hears of the other: each sees itself alone
    # online, so dana's replica assigns dana and ben's assigns ben
    assert "rule firings" in run_inbox(a, "import", str(MBOX)).stderr
    assert "rule firings" in run_inbox(b, "import", str(MBOX)).stderr
    mine = {c: o for c, (o, _, fired) in outcome(a).items() if fired}
    theirs = {c: o for c, (o, _, fired) in outcome(b).items() if fired}
    assert len(mine) >= 5 and mine.keys() == theirs.keys()
    assert set(mine.values()) == {DANA} and set(theirs.values()) == {BEN}
    ok(a, "sync")
    # the relay takes the first copy of a mail it is sent; the second replica's copy of the
    # same message (and so its firings) is refused whole and dropped there (admission.py)
    second = run_inbox(b, "sync")
    assert "a second message with id" in second.stderr
    ok(b, "sync")
    ok(a, "sync")
    after_a, after_b = outcome(a), outcome(b)
    assert after_a == after_b
    owners = {after_a[c][0] for c in mine}
    assert owners <= {DANA, BEN} and None not in owners
    for ident in mine:
        _, tags, fired = after_a[ident]
        assert "routed" in tags
        assert all(n == 1 for n in Counter(fired).values())
        shown = json.loads(ok(a, "show", ident, "--json"))
        ruled = [e for e in shown["activity"] if e.get("rule") == "route"]
        assert [e["action"] for e in ruled].count("assign") == 1, ruled
        assert [e["action"] for e in ruled].count("tag") == 1, ruled
        assert shown["assignee"] == next(e["detail"] for e in ruled if e["action"] == "assign")


def test_a_replica_importing_mail_the_rule_fired_for_does_not_fire_it_again(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = join(relay, tmp_path / "a", DANA, "--admin")
    ok(a, "rule", "add", "vip", "--when", "channel:email", "--tag", "vip", "--priority", "high")
    ok(a, "import", str(MBOX))
    ok(a, "sync")
    b = join(relay, tmp_path / "b", BEN)
    done = run_inbox(b, "import", str(MBOX))
    assert done.returncode == 0 and "rule firings" not in done.stderr
    assert outcome(a) == outcome(b)
    seen_before = 0
    for ident, (_, tags, fired) in outcome(b).items():
        if "vip" not in tags:
            continue
        test = json.loads(ok(b, "rule", "test", "vip", ident, "--json"))
        assert test["fired_before"] == (("vip", test["message"]) in fired)
        assert test["fires"] == (test["holds"] and not test["fired_before"])
        assert test["terms"] == [{"term": "channel:email", "value": "email", "holds": True}]
        seen_before += test["fired_before"]
    assert seen_before


def test_only_an_admin_changes_rules_and_teams(relay: RelayProcess, tmp_path: Path) -> None:
    a = join(relay, tmp_path / "a", DANA, "--admin")
    ok(a, "sync")
    b = join(relay, tmp_path / "b", BEN)
    for args in (
        ("rule", "add", "x", "--when", "tag:a", "--tag", "b"),
        ("team", "add", "t", "me"),
        ("sla", "add", "s", "--first-response", "1h"),
    ):
        done = run_inbox(b, *args)
        assert done.returncode == 4, done.stderr
        assert "only an admin" in done.stderr


def test_a_policy_saved_on_one_replica_times_the_others_conversations(
    relay: RelayProcess, tmp_path: Path
) -> None:
    """The policy reaches the other replica by sync, and its index times every row again:
    both list the same due times and states."""
    a = join(relay, tmp_path / "a", DANA, "--admin")
    ok(a, "import", str(MBOX))
    ok(a, "sync")
    b = join(relay, tmp_path / "b", BEN)
    ok(b, "sync")
    assert {r["sla_policy"] for r in json.loads(ok(b, "list", "--json"))} == {None}
    ok(a, "sla", "add", "std", "--first-response", "1h", "--resolution", "2d", "--default")
    ok(a, "sync")
    ok(b, "sync")

    def clocks(home: Path) -> list[tuple[str, str | None, str | None]]:
        rows = json.loads(ok(home, "list", "--status", "all", "--json"))
        return sorted((r["id"], r["sla_due_at"], r["sla_state"]) for r in rows)

    assert clocks(a) == clocks(b)
    assert {state for _, _, state in clocks(b)} >= {"breaching"}
    assert json.loads(ok(b, "sla", "list", "--json"))[0]["default"] is True
