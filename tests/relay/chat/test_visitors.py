"""A visitor's socket reaches only that visitor's conversation: a real relay, and
visitors speaking the widget's frames from a websocket client (any Origin, any bytes,
any token a script could make)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection

from relay.chat import tokens
from relay.store import RelayStore
from tests.relay.chat.visitors import OTHER_SITE, SITE, Visitor, open_socket, token_payload
from tests.relay.relays import DANA, RelayProcess, ok


@pytest.fixture
def victim(chat_relay: RelayProcess) -> Iterator[Visitor]:
    v = Visitor(chat_relay)
    assert v.say("my card number ends in 4242")["message"]["author"] == "visitor"
    yield v
    v.close()


def _closed(ws: ClientConnection) -> str:
    with pytest.raises(ConnectionClosed) as caught:
        for _ in range(100):
            ws.recv(10)
    assert caught.value.rcvd is not None
    return caught.value.rcvd.reason


def test_a_socket_from_a_site_not_allowed_is_refused(chat_relay: RelayProcess) -> None:
    url = f"ws://127.0.0.1:{chat_relay.port}/chat?workspace=inbox"
    for origin in ("https://evil.example.net", "null", "https://www.acme.example.com:8443"):
        with pytest.raises(InvalidStatus) as refused:
            open_socket(url, origin)
        assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        open_socket(url)  # no Origin at all
    with pytest.raises(InvalidStatus):
        open_socket(url.replace("inbox", "another"), SITE)
    assert "origin 'https://evil.example.net' is not allowed" in chat_relay.logged()


def test_a_token_reaches_its_own_conversation_again(
    chat_relay: RelayProcess, victim: Visitor
) -> None:
    again = Visitor(chat_relay, victim.token)
    assert [m["body"] for m in again.welcome["messages"]] == ["my card number ends in 4242"]
    assert again.conversation == victim.conversation
    again.close()


def test_forged_altered_expired_and_foreign_tokens_reach_nothing(
    chat_relay: RelayProcess, victim: Visitor
) -> None:
    head, body, signature = victim.token.split(".")
    payload = token_payload(victim.token)
    with RelayStore.open(chat_relay.store) as store:
        workspace_id = str(store.meta("workspace_id"))
        key = store.chat_key()
    mine = Visitor(chat_relay)
    ours = token_payload(mine.token)
    stale = tokens.Pass(payload["v"], payload["c"], SITE, int(time.time()) - 1)
    cases = {
        "signed by another key": tokens.issue(
            b"k" * 32, workspace_id, stale._replace(expires=2**40)
        ),
        "my signature on their conversation": ".".join(
            [
                head,
                tokens._b64(json.dumps({**ours, "c": payload["c"]}).encode()),
                mine.token.split(".")[2],
            ]
        ),
        "their token, altered": ".".join([head, body[:-2] + "AA", signature]),
        "expired": tokens.issue(key, workspace_id, stale),
        "of another workspace": tokens.issue(key, "0" * 32, stale._replace(expires=2**40)),
        "not a token": "../../c:" + payload["c"],
    }
    for why, token in cases.items():
        intruder = Visitor(chat_relay, token)
        assert intruder.welcome["messages"] == [], why
        assert intruder.conversation != victim.conversation, why
        intruder.close()
    replayed = Visitor(chat_relay, victim.token, origin=OTHER_SITE)  # on another site
    assert replayed.welcome["messages"] == []
    assert replayed.conversation != victim.conversation
    mine.close()


def test_a_visitor_names_no_conversation_and_sees_no_other(
    chat_relay: RelayProcess, victim: Visitor, tmp_path: Path
) -> None:
    guesser = Visitor(chat_relay)
    # ids a script could guess or have seen are not part of any frame it may send
    guesser.send({"t": "say", "id": "guess0001", "body": "hi", "conversation": victim.conversation})
    assert guesser.next()["message"]["body"] == "hi"
    a = chat_relay.join(tmp_path / "a", DANA)
    listed = {
        c["subject"]: c["id"] for c in json.loads(ok(a, "list", "--channel", "chat", "--json"))
    }
    assert set(listed) == {"my card number ends in 4242", "hi"}
    ok(a, "reply", listed["my card number ends in 4242"], "-m", "thanks, checking")
    ok(a, "sync")
    assert victim.next()["message"]["body"] == "thanks, checking"
    note = ok(a, "note", listed["hi"], "-m", "internal: looks like a bot")
    assert note is not None
    ok(a, "tag", listed["hi"], "--add", "bot")
    ok(a, "sync")
    again = Visitor(chat_relay, guesser.token)
    assert [m["body"] for m in again.welcome["messages"]] == ["hi"]
    with pytest.raises(TimeoutError):
        guesser.next(timeout=1.0)  # no note, no tag, nothing of the other chat came
    for v in (guesser, again):
        v.close()


def test_a_resent_message_is_the_same_message(chat_relay: RelayProcess, tmp_path: Path) -> None:
    v = Visitor(chat_relay)
    first = v.say("is anyone there?", ident="client-msg-1")
    again = v.say("is anyone there?", ident="client-msg-1")  # its receipt was lost
    assert first["message"] == again["message"]
    v.close()
    later = Visitor(chat_relay, v.token)
    assert later.say("is anyone there?", ident="client-msg-1")["message"] == first["message"]
    a = chat_relay.join(tmp_path / "a", DANA)
    (chat,) = json.loads(ok(a, "list", "--channel", "chat", "--json"))
    assert len(json.loads(ok(a, "show", chat["id"], "--json"))["messages"]) == 1
    later.close()


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "not JSON"),
        (json.dumps({"t": "say", "id": "x", "body": "hi"}), "a message without a proper id"),
        (json.dumps({"t": "say", "id": "abcdefgh", "body": "x" * 4001}), "over 4000 characters"),
        (json.dumps({"t": "say", "id": "abcdefgh", "body": "  "}), "an empty message"),
        (json.dumps({"t": "say", "id": "abcdefgh", "body": ["a"]}), "not text"),
        (json.dumps({"t": "sync", "doc": "ws:agents"}), "not a frame of the widget"),
    ],
)
def test_a_frame_that_is_not_the_widgets_closes_the_socket(
    chat_relay: RelayProcess, frame: str, reason: str
) -> None:
    v = Visitor(chat_relay)
    v.ws.send(frame)
    assert reason in _closed(v.ws)


def test_an_oversized_frame_is_refused_as_it_arrives(chat_relay: RelayProcess) -> None:
    v = Visitor(chat_relay)
    v.ws.send("x" * (1024 * 1024))
    with pytest.raises(ConnectionClosed) as caught:
        v.ws.recv(10)
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1009


def test_a_flooding_visitor_is_stopped(chat_relay: RelayProcess) -> None:
    v = Visitor(chat_relay)
    for n in range(40):
        v.send({"t": "say", "id": f"flood{n:04d}", "body": f"spam {n}"})
    assert "flooding" in _closed(v.ws)
    a = chat_relay.join(chat_relay.where / "a", DANA)
    (chat,) = json.loads(ok(a, "list", "--channel", "chat", "--json"))
    assert len(json.loads(ok(a, "show", chat["id"], "--json"))["messages"]) <= 10
