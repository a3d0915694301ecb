"""The away message: outside business hours a visitor's message is answered with it, as a
line of its own in the widget, and the conversation records it; inside them, nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.relay.chat.visitors import Visitor
from tests.relay.relays import DANA, RelayProcess, ok

AWAY = "We are out until 09:00 (Berlin).\nWe will answer here, or by email."


def settings(relay: RelayProcess, *args: str) -> dict[str, object]:
    out = ok(relay.where, "chat", "settings", "--store", str(relay.store), *args, "--json")
    return dict(json.loads(out))


def closed_now() -> str:
    """Hours that are not now: one hour a day, twelve hours from this one."""
    hour = (datetime.now(UTC).hour + 12) % 24
    return f"Mon-Sun {hour:02d}:00-{hour + 1:02d}:00 UTC"


def chat_of(home: Path) -> dict[str, object]:
    (chat,) = json.loads(ok(home, "list", "--channel", "chat", "--json"))
    return dict(json.loads(ok(home, "show", str(chat["id"]), "--json")))


def test_outside_hours_the_visitor_is_told_once(chat_relay: RelayProcess, tmp_path: Path) -> None:
    (tmp_path / "away.txt").write_text(AWAY + "\n")
    shown = settings(
        chat_relay, "--away-message-file", str(tmp_path / "away.txt"), "--hours", closed_now()
    )
    assert shown["away_message"] == AWAY
    v = Visitor(chat_relay)
    assert v.say("is anyone there? my card was declined")["message"]["author"] == "visitor"
    away = v.next()["message"]
    assert (away["author"], away["body"]) == ("system", AWAY)
    assert "name" not in away
    assert v.say("hello?")["message"]["body"] == "hello?"
    with pytest.raises(TimeoutError):
        v.next(timeout=1.5)  # once a closed stretch, not after every message
    v.close()
    again = Visitor(chat_relay, v.token)  # and in the history a reload restores
    assert [m["author"] for m in again.welcome["messages"]] == ["visitor", "system", "visitor"]
    assert again.welcome["agent"] is None  # the relay is no agent answering
    again.close()
    dana = chat_relay.join(tmp_path / "dana", DANA)
    view = chat_of(dana)
    recorded = [m for m in view["messages"] if m.get("kind") == "auto-reply"]  # type: ignore[union-attr]
    assert [m["body"] for m in recorded] == [AWAY]
    assert view["message_count"] == 2  # the away message answers nothing
    assert view["last_outbound_at"] is None
    assert "[auto-reply]" in ok(dana, "show", str(view["id"]), "--no-pager")


def test_inside_hours_nothing_is_said(chat_relay: RelayProcess, tmp_path: Path) -> None:
    (tmp_path / "away.txt").write_text(AWAY)
    settings(chat_relay, "--away-message-file", str(tmp_path / "away.txt"))
    settings(chat_relay, "--hours", "Mon-Sun 00:00-24:00 UTC")
    v = Visitor(chat_relay)
    v.say("hi, a question about my order")
    with pytest.raises(TimeoutError):
        v.next(timeout=1.5)
    v.close()
    dana = chat_relay.join(tmp_path / "dana", DANA)
    assert [m["direction"] for m in chat_of(dana)["messages"]] == ["in"]  # type: ignore[union-attr]


def test_without_hours_there_is_no_away_message(chat_relay: RelayProcess, tmp_path: Path) -> None:
    (tmp_path / "away.txt").write_text(AWAY)
    shown = settings(chat_relay, "--away-message-file", str(tmp_path / "away.txt"))
    assert shown["hours"] is None
    v = Visitor(chat_relay)
    v.say("hi")
    with pytest.raises(TimeoutError):
        v.next(timeout=1.5)
    v.close()
