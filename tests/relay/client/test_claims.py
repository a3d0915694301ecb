"""A claim says what the relay decided, and reassigning a teammate's work is said, not
slipped through a pipe: real relay, real replicas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.relay.relays import BEN, DANA, RelayProcess, ok, pair


def shown(home: Path, ident: str) -> dict[str, Any]:
    return dict(json.loads(ok(home, "show", ident, "--json")))


def first(home: Path) -> str:
    return str(json.loads(ok(home, "list", "--json", "--limit", "1"))[0]["id"])


def test_a_claim_waits_for_the_relay_and_says_it_is_ordered(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, _ = pair(relay, tmp_path)
    ident = first(a)
    done = run_inbox(a, "claim", ident)
    assert done.returncode == 0, done.stderr
    assert f"claimed {ident[:8]}" in done.stderr and "tentative" not in done.stderr
    assert shown(a, ident)["assignee_tentative"] is False  # ordered, without a watcher


def test_a_lost_claim_race_exits_3_naming_the_winner(relay: RelayProcess, tmp_path: Path) -> None:
    a, b = pair(relay, tmp_path)
    ident = first(a)
    ok(b, "claim", ident)  # ben's reaches the relay first; dana's replica has not heard
    done = run_inbox(a, "claim", ident)
    assert done.returncode == 3, done.stderr
    assert "ben got there first" in done.stderr and "claimed" not in done.stderr
    assert shown(a, ident)["assignee"] == BEN


def test_offline_a_claim_is_tentative_and_says_so(relay: RelayProcess, tmp_path: Path) -> None:
    a, _ = pair(relay, tmp_path)
    ident = first(a)
    relay.stop()
    done = run_inbox(a, "claim", ident)
    assert done.returncode == 0, done.stderr
    assert f"claimed {ident[:8]}, tentative until the relay orders it" in done.stderr
    assert shown(a, ident)["assignee_tentative"] is True


def test_reassigning_a_teammates_conversation_needs_force_and_tells_them(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    ident, other = (c["id"] for c in json.loads(ok(a, "list", "--json", "--limit", "2")))
    ok(b, "claim", ident)
    ok(a, "sync")
    done = run_inbox(a, "assign", ident, other, "--to", "me")
    assert done.returncode == 3, done.stderr
    assert f"{ident[:8]} is ben's" in done.stderr and "--force" in done.stderr
    assert shown(a, ident)["assignee"] == BEN  # held back ...
    assert shown(a, other)["assignee"] == DANA  # ... the rest done
    done = run_inbox(a, "assign", ident, "--to", "me", "--force")
    assert done.returncode == 0, done.stderr
    ok(a, "sync")
    told = run_inbox(b, "sync")
    assert f"{ident[:8]} was assigned to dana by dana" in told.stderr, told.stderr
    assert "got there first" not in told.stderr
    activity = shown(b, ident)["activity"]
    assert [e for e in activity if e["action"] == "assign" and e["who"] == DANA]
