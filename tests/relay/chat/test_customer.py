"""A visitor who gives their email joins that customer's timeline (`inbox customer`),
whether they give it before their first message or during the chat, beside their mail."""

from __future__ import annotations

import json
from pathlib import Path

from tests.relay.chat.visitors import Visitor
from tests.relay.relays import DANA, RelayProcess, ok, wait_for

MARIA = "maria@example.com"
MAIL = f"""From {MARIA} Thu Dec  3 09:00:00 2026
From: Maria Santos <{MARIA}>
To: support@acme.example.com
Subject: Refund for INV-2041
Message-ID: <refund-2041@example.com>
Date: Thu, 03 Dec 2026 09:00:00 +0000

Hello, I was charged twice for INV-2041.
"""


def timeline(home: Path) -> dict[str, object]:
    ok(home, "sync")
    return dict(json.loads(ok(home, "customer", MARIA, "--json")))


def test_a_visitor_joins_the_customers_timeline(chat_relay: RelayProcess, tmp_path: Path) -> None:
    dana = chat_relay.join(tmp_path / "dana", DANA)
    (tmp_path / "maria.mbox").write_text(MAIL)
    ok(dana, "import", str(tmp_path / "maria.mbox"))
    ok(dana, "sync")
    assert [c["channel"] for c in timeline(dana)["conversations"]] == ["email"]  # type: ignore[union-attr]

    before = Visitor(chat_relay)  # gives her email before she writes
    before.send({"t": "profile", "name": "Maria Santos", "email": MARIA})
    before.say("did the refund go through?")
    before.close()

    during = Visitor(chat_relay)  # another day, another chat: the email comes later
    during.say("hello again, the parcel is late")
    anonymous = timeline(dana)
    assert len(anonymous["conversations"]) == 2  # type: ignore[arg-type]
    during.send({"t": "profile", "email": MARIA.upper()})  # as people type it
    during.say("my order is 7731")

    def all_three() -> dict[str, object] | None:
        found = timeline(dana)
        return found if len(found["conversations"]) == 3 else None  # type: ignore[arg-type]

    found = wait_for(all_three)
    assert found, timeline(dana)
    assert sorted(c["channel"] for c in found["conversations"]) == ["chat", "chat", "email"]  # type: ignore[union-attr]
    assert found["name"] == "Maria Santos"
    bodies = [m["body"] for m in found["messages"]]  # type: ignore[union-attr]
    for said in (
        "did the refund go through?",
        "hello again, the parcel is late",
        "my order is 7731",
    ):
        assert said in bodies
    assert any("charged twice" in str(b) for b in bodies)
    shown = ok(dana, "customer", MARIA)
    assert "3 conversations" in shown and " chat " in shown
