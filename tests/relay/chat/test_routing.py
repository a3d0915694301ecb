"""The workspace's rules over a chat a visitor opens, run by a real relay where the chat
arrives: assigned, tagged and prioritised per the rules, once, with the rule's name in
the activity; a rule that cannot do its part never holds up the chat."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.relay.chat.visitors import Visitor
from tests.relay.relays import BEN, DANA, RelayProcess, ok


def _admin(relay: RelayProcess, home: Path) -> Path:
    token = relay.token(DANA, "--admin")
    done = run_inbox(home, "join", relay.url, "--token-file", str(token))
    assert done.returncode == 0, done.stderr
    ok(home, "agent", "add", BEN)
    return home


def _routed(home: Path, ident: str) -> dict[str, Any]:
    """The conversation once a rule's firing has reached the replica."""
    for _ in range(100):  # a bound on the tries, not a measured time
        ok(home, "sync")
        done = run_inbox(home, "show", ident, "--json")
        if done.returncode == 0:
            shown: dict[str, Any] = json.loads(done.stdout)
            if shown["rules_fired"]:
                return shown
        time.sleep(0.1)
    raise AssertionError(f"no rule fired for {ident}")


def test_a_new_chat_is_assigned_tagged_and_prioritised_by_the_rules_once(
    chat_relay: RelayProcess, tmp_path: Path
) -> None:
    home = _admin(chat_relay, tmp_path / "dana")
    ok(home, "rule", "add", "chat-to-ben", "--when", "channel:chat", "--assign", "agent:ben",
       "--tag", "chat", "--priority", "high")  # fmt: skip
    ok(home, "rule", "add", "mail-only", "--when", "channel:email", "--tag", "mail")
    ok(home, "sync")
    visitor = Visitor(chat_relay)
    first = visitor.say("hello, my order is late")["message"]
    assert first["author"] == "visitor"  # the echo came before any rule ran
    visitor.say("are you there?")
    shown = _routed(home, visitor.conversation)
    assert shown["assignee"] == BEN
    assert shown["tags"] == ["chat"]
    assert shown["priority"] == "high"
    assert [f["rule"] for f in shown["rules_fired"]] == ["chat-to-ben"]  # once: the first
    assert shown["rules_fired"][0]["message"] == shown["messages"][0]["id"]
    by_rule = [a for a in shown["activity"] if a.get("rule") == "chat-to-ben"]
    assert sorted(a["action"] for a in by_rule) == ["assign", "priority", "tag"]
    visitor.close()


def test_a_rule_that_cannot_assign_notes_why_and_the_chat_goes_on(
    chat_relay: RelayProcess, tmp_path: Path
) -> None:
    home = _admin(chat_relay, tmp_path / "dana")
    ok(home, "team", "add", "desk", DANA, BEN)
    ok(home, "rule", "add", "chat-team", "--when", "channel:chat", "--assign", "team:desk")
    ok(home, "sync")
    visitor = Visitor(chat_relay)
    visitor.say("anyone?")
    shown = _routed(home, visitor.conversation)  # no agent's presence at the relay
    assert shown["assignee"] is None
    notes = [a for a in shown["activity"] if a.get("rule") == "chat-team"]
    assert any("nobody of the team is online" in str(a.get("detail")) for a in notes), notes
    assert visitor.say("still here")["message"]["body"] == "still here"
    visitor.close()
