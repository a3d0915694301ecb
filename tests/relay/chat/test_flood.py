"""Visitors over the relay-wide budget for their messages, on a real relay with a tight
one: what comes over it waits and is written in turn (its echo comes then), a message
the full line turns away is sent again by the widget's client id, and every message is
in its conversation once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.relay.chat.visitors import SITE, Visitor
from tests.relay.relays import RelayProcess, ok


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[RelayProcess]:
    """A relay whose visitors' writes may take 0.2% of its loop (a message of ~1 ms in
    every half second or so), two more waiting."""
    where = tmp_path / "relay"
    where.mkdir()
    budget = {"chat_all_share": 0.002, "chat_all_burst": 0.0001, "chat_all_queue": 2}
    relay = RelayProcess(where, limits=budget).start()
    ok(where, "chat", "origins", "add", SITE, "--store", str(relay.store))
    yield relay
    relay.stop()


def _closed_reason(visitor: Visitor) -> str:
    with pytest.raises(ConnectionClosed) as caught:
        for _ in range(100):
            visitor.next()
    assert caught.value.rcvd is not None
    return caught.value.rcvd.reason


def test_messages_over_the_budget_wait_and_one_turned_away_is_sent_again(
    tight: RelayProcess,
) -> None:
    visitors = [Visitor(tight) for _ in range(4)]
    for n, v in enumerate(visitors):
        v.send({"t": "say", "id": f"flood-{n:04d}", "body": f"question {n}"})
    for n, v in enumerate(visitors[:3]):  # one at once, two in turn
        echo = v.next(30)["message"]
        assert (echo["id"], echo["author"], echo["body"]) == (
            f"flood-{n:04d}",
            "visitor",
            f"question {n}",
        )
    assert "the relay is busy" in _closed_reason(visitors[3])
    again = Visitor(tight, visitors[3].token)  # the widget, back: its outbox goes again
    assert again.welcome["messages"] == []  # nothing of it was kept
    again.send({"t": "say", "id": "flood-0003", "body": "question 3"})
    assert again.next(30)["message"]["id"] == "flood-0003"
    for n, v in enumerate(visitors):
        seen = Visitor(tight, v.token).welcome["messages"]
        assert [(m["id"], m["body"]) for m in seen] == [(f"flood-{n:04d}", f"question {n}")]
    assert "Traceback" not in tight.logged()


def test_a_resend_of_a_message_still_waiting_is_that_message(tight: RelayProcess) -> None:
    first, second = Visitor(tight), Visitor(tight)
    first.say("the budget's one")
    second.send({"t": "say", "id": "waiting-0001", "body": "in line"})
    second.send({"t": "say", "id": "waiting-0001", "body": "in line"})  # lost receipt
    assert second.next(30)["message"]["id"] == "waiting-0001"
    seen = Visitor(tight, second.token).welcome["messages"]
    assert [m["id"] for m in seen] == ["waiting-0001"]
