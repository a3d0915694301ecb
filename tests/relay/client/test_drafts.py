"""A reply begun is seen by teammates, on every replica: real relay, real replicas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crdt.replica import Replica
from crdt.sync import presence
from tests.conftest import run_inbox
from tests.relay.relays import BEN, RelayProcess, ok, pair


def shown(home: Path, ident: str) -> dict[str, Any]:
    return dict(json.loads(ok(home, "show", ident, "--json")))


def test_a_saved_draft_shows_to_teammates_and_holds_their_reply(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    ident = str(json.loads(ok(a, "list", "--json", "--limit", "1"))[0]["id"])
    ok(b, "reply", ident, "--draft", "-m", "Hi Maria, checking the invoice now.")
    ok(b, "sync")
    ok(a, "sync")
    assert [d["agent"] for d in shown(a, ident)["drafts"]] == [BEN]
    assert "ben has a draft reply (started" in ok(a, "show", ident)
    who = json.loads(ok(a, "who", "--json"))  # ben is offline: his draft still shows
    assert [(w["agent"], w["status"]) for w in who] == [(BEN, "offline")]
    assert [d["conversation"] for d in who[0]["drafts"]] == [ident]
    assert f"{BEN}\toffline\tdraft reply (" in ok(a, "who")
    assert ident[:8] in ok(a, "who")
    held = run_inbox(a, "reply", ident, "-m", "Hi Maria, done.")
    assert held.returncode == 3, held.stderr
    assert "ben is already writing a reply" in held.stderr and "--force" in held.stderr
    assert not [m for m in shown(a, ident)["messages"] if m.get("direction") == "out"]
    ok(b, "reply", ident, "--force")  # ben sends his: his draft is gone everywhere
    ok(b, "sync")
    ok(a, "sync")
    assert shown(a, ident)["drafts"] == []
    assert json.loads(ok(a, "who", "--json")) == []
    assert "draft reply" not in ok(a, "show", ident)
    ok(a, "reply", ident, "-m", "Hi Maria, and a follow-up.", "--force")


def test_replying_moves_what_the_agent_is_viewing(relay: RelayProcess, tmp_path: Path) -> None:
    a, _ = pair(relay, tmp_path)
    first, second = (c["id"] for c in json.loads(ok(a, "list", "--json", "--limit", "2")))
    ok(a, "show", second)
    ok(a, "claim", first)
    ok(a, "reply", first, "-m", "Hi, on it.")
    replica = Replica.open(a)
    try:
        assert presence.doing(replica)["viewing"] == first
    finally:
        replica.close()
