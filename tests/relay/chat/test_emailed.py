"""The emailed answer: an agent's chat reply that its visitor left before reading goes, once
the workspace's delay has passed, by email through the mail gateway (real Dovecot, real
SMTP server, the gateway's own process) from the workspace's mailbox, threaded so the
visitor's answer by email comes back into the same conversation. Never while a socket of
the visitor is open, never twice, never without an address; across a relay restart too.
"""

from __future__ import annotations

import email
import json
import os
import time
from datetime import UTC, datetime
from email import policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_inbox
from tests.mailservers import MAILBOXES, SUPPORT, Dovecot, Smtp
from tests.relay.chat.visitors import Visitor
from tests.relay.relays import DANA, RelayProcess, ok, wait_for

DELAY = 4  # seconds: --email-after 4s
MARIA = "maria@example.com"


def gateway(relay: RelayProcess) -> str:
    done = run_inbox(
        relay.where, "relay", "gateway", "--store", str(relay.store), "--url", relay.url, "--once"
    )
    assert done.returncode == 0, done.stderr
    return str(done.stderr)


@pytest.fixture
def dana(chat_relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path) -> Path:
    """Dana's replica of a workspace with support@ served by the gateway, and the chat's
    answers emailed after ``DELAY``."""
    secret = tmp_path / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    store = str(chat_relay.store)
    done = run_inbox(
        tmp_path, "relay", "mailbox", "add", SUPPORT, "--store", store,
        "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
        "--security", "none", "--password-file", str(secret),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = json.loads(
        ok(tmp_path, "chat", "settings", "--store", store, "--email-after", f"{DELAY}s", "--json")
    )
    assert (shown["email_after"], shown["email_sender"]) == (DELAY, SUPPORT)
    home = tmp_path / "dana"
    ok(home, "join", chat_relay.url, "--token-file", str(chat_relay.token(DANA, "--admin")))
    ok(home, "mailbox", "add", SUPPORT, "--name", "Acme Support")
    ok(home, "sync")
    return home


def chat_id(home: Path) -> str:
    ok(home, "sync")
    (chat,) = json.loads(ok(home, "list", "--channel", "chat", "--json"))
    return str(chat["id"])


def reply(home: Path, ident: str, text: str) -> str:
    sent = json.loads(ok(home, "reply", ident, "-m", text, "--json"))
    ok(home, "sync")
    return str(sent["id"])


def message(home: Path, ident: str, reply_id: str) -> dict[str, Any]:
    ok(home, "sync")
    view = json.loads(ok(home, "show", ident, "--json"))
    return dict(next(m for m in view["messages"] if m["id"] == reply_id))


def handed_over(home: Path, ident: str, reply_id: str) -> dict[str, Any] | None:
    found = message(home, ident, reply_id)
    return found if found.get("delivery_via") else None


def test_a_reply_the_visitor_left_is_emailed_once_and_the_answer_comes_back(
    chat_relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, dana: Path
) -> None:
    v = Visitor(chat_relay)
    v.send({"t": "profile", "name": "Maria", "email": MARIA})
    v.say("is anyone there? my card was declined")
    ident = chat_id(dana)
    ok(dana, "claim", ident)
    live = reply(dana, ident, "Hi Maria, I'm on it")  # she is there: by chat
    assert v.next()["message"]["body"] == "Hi Maria, I'm on it"
    wait_for(lambda: message(dana, ident, live)["delivery"] == "sent")
    assert message(dana, ident, live)["delivery_detail"] == "by chat"

    v.close()  # she left, and comes back before the delay: it reaches her by chat
    back_soon = reply(dana, ident, "One moment, checking with the bank")
    v = Visitor(chat_relay, v.token)
    assert "One moment, checking with the bank" in [m["body"] for m in v.welcome["messages"]]
    wait_for(lambda: message(dana, ident, back_soon)["delivery"] == "sent")
    v.close()

    written = time.time()
    left = reply(dana, ident, "It went through now: please try again.")  # she is gone
    assert message(dana, ident, left)["delivery"] == "queued"
    shown = wait_for(lambda: handed_over(dana, ident, left), timeout=DELAY + 15)
    assert shown, "the relay did not hand the reply to email"
    assert time.time() - written >= DELAY - 0.5  # not before the workspace's delay
    assert shown["delivery_via"] == SUPPORT and "the visitor left" in shown["delivery_detail"]
    assert "sent" in gateway(chat_relay)
    (mail,) = smtp.captured()  # only the one she did not read
    assert mail.rcpt_tos == [MARIA]
    parsed = email.message_from_bytes(mail.data, policy=policy.default)
    assert parsed["From"] == "Acme Support <support@acme.example.com>"
    assert parsed["To"] == f"Maria <{MARIA}>"
    assert parsed["Subject"] == "Re: is anyone there? my card was declined"
    assert parsed["Message-ID"] == f"<{left}@acme.example.com>"
    assert "It went through now" in parsed.get_body().get_content()  # type: ignore[union-attr]
    sent = message(dana, ident, left)
    assert (sent["delivery"], sent["delivery_via"]) == ("sent", SUPPORT)
    assert sent["delivery_detail"] == f"via {SUPPORT}"

    gateway(chat_relay)  # never twice
    again = Visitor(chat_relay, v.token)  # she comes back: it is in her history ...
    assert "It went through now: please try again." in [
        m["body"] for m in again.welcome["messages"]
    ]
    time.sleep(1.0)
    assert message(dana, ident, left)["delivery_detail"] == f"via {SUPPORT}"  # ... still emailed
    again.close()
    assert len(smtp.captured()) == 1

    answer = (
        f"From: Maria <{MARIA}>\r\nTo: {SUPPORT}\r\n"
        "Subject: Re: is anyone there? my card was declined\r\n"
        f"Message-ID: <answer-1@example.com>\r\nIn-Reply-To: <{left}@acme.example.com>\r\n"
        f"References: <{left}@acme.example.com>\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n\r\nIt worked, thank you!\r\n"
    )
    dovecot.append(SUPPORT, "INBOX", answer.encode())
    gateway(chat_relay)
    ok(dana, "sync")
    (chat,) = json.loads(ok(dana, "list", "--channel", "chat", "--json"))
    assert len(json.loads(ok(dana, "list", "--json"))) == 1  # no conversation of its own
    view = json.loads(ok(dana, "show", str(chat["id"]), "--json"))
    (answered,) = [m for m in view["messages"] if m["message_id"] == "answer-1@example.com"]
    assert (answered["direction"], answered["from"]) == ("in", MARIA)
    assert answered["body"].strip() == "It worked, thank you!"


def test_the_wait_survives_a_relay_restart(
    chat_relay: RelayProcess, smtp: Smtp, dana: Path
) -> None:
    v = Visitor(chat_relay)
    v.send({"t": "profile", "email": MARIA})
    v.say("my parcel is late")
    v.close()
    ident = chat_id(dana)
    left = reply(dana, ident, "It left the warehouse this morning.")
    chat_relay.kill()  # SIGKILL, before the delay is over
    chat_relay.start()  # with its store's mailbox, it starts the gateway beside it now
    assert wait_for(lambda: handed_over(dana, ident, left), timeout=DELAY + 15)
    assert wait_for(smtp.captured, timeout=20), "the relay's gateway sent nothing"
    (mail,) = smtp.captured()
    assert mail.rcpt_tos == [MARIA]
    assert wait_for(lambda: message(dana, ident, left)["delivery"] == "sent", timeout=10)


def test_a_visitor_who_gave_no_email_is_never_emailed(
    chat_relay: RelayProcess, smtp: Smtp, dana: Path
) -> None:
    v = Visitor(chat_relay)
    v.say("just looking around")
    v.close()
    ident = chat_id(dana)
    left = reply(dana, ident, "Happy to help when you need it.")
    time.sleep(DELAY + 2)
    gateway(chat_relay)
    assert smtp.captured() == []
    assert message(dana, ident, left)["delivery"] == "queued"  # waits for their return
    back = Visitor(chat_relay, v.token)
    assert back.welcome["messages"][-1]["body"] == "Happy to help when you need it."
    assert wait_for(lambda: message(dana, ident, left)["delivery"] == "sent")
    back.close()
