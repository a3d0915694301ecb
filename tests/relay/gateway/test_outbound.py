"""Mail out, end to end with real servers: an agent's reply sent once by the gateway from
the conversation's mailbox over a real SMTP server, its fate written back where every
replica sees it; refusals tried again or failed with the server's words; a reply that
may have gone looked for in Sent before it is sent again."""

from __future__ import annotations

import email
import json
import os
import sqlite3
from email import policy
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.mailservers import MAILBOXES, SUPPORT, Dovecot, Smtp
from tests.relay.relays import DANA, RelayProcess, ok

CUSTOMER = b"""From: Maria Santos <maria@example.com>
To: support@acme.example.com
Subject: Refund for INV-2041
Message-ID: <refund-2041@example.com>
Date: Thu, 03 Dec 2026 09:00:00 +0000

Hello, I was charged twice for INV-2041.
"""


def setup(relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path) -> tuple[Path, str]:
    """Dana's replica with the customer's mail, read from support@ by the gateway."""
    secret = tmp_path / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    done = run_inbox(
        tmp_path, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
        "--security", "none", "--password-file", str(secret),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    dana = tmp_path / "dana"
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    ok(dana, "mailbox", "add", SUPPORT, "--name", "Acme Support")
    ok(dana, "sync")
    dovecot.append(SUPPORT, "INBOX", CUSTOMER.replace(b"\n", b"\r\n"))
    gateway(relay)
    ok(dana, "sync")
    ident = json.loads(ok(dana, "list", "--json"))[0]["id"]
    ok(dana, "claim", ident)
    return dana, str(ident)


def gateway(relay: RelayProcess) -> str:
    done = run_inbox(
        relay.where, "relay", "gateway", "--store", str(relay.store), "--url", relay.url, "--once"
    )
    assert done.returncode == 0, done.stderr
    return str(done.stderr)


def reply(dana: Path, ident: str, text: str) -> dict[str, Any]:
    sent = json.loads(ok(dana, "reply", ident, "-m", text, "--json"))
    ok(dana, "sync")
    return dict(sent)


def delivery(dana: Path, ident: str, message: str) -> dict[str, Any]:
    ok(dana, "sync")
    view = json.loads(ok(dana, "show", ident, "--json"))
    return next(m for m in view["messages"] if m["id"] == message)


def test_a_reply_goes_once_from_the_mailbox_threaded(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, the refund is on its way.")
    assert "sent" in gateway(relay)
    (mail,) = smtp.captured()
    assert mail.rcpt_tos == ["maria@example.com"]
    parsed = email.message_from_bytes(mail.data, policy=policy.default)
    assert parsed["From"] == "Acme Support <support@acme.example.com>"
    assert parsed["In-Reply-To"] == "<refund-2041@example.com>"
    assert parsed["Message-ID"] == f"<{sent['id']}@acme.example.com>"
    assert "the refund is on its way" in parsed.get_body().get_content()
    shown = delivery(dana, ident, sent["id"])
    assert shown["delivery"] == "sent" and "support@acme.example.com" in shown["delivery_detail"]
    assert "(sent now via support@acme.example.com)" in ok(dana, "show", ident, "--no-pager")
    gateway(relay)  # nothing is sent twice
    assert len(smtp.captured()) == 1


def test_a_temporary_refusal_is_tried_again_and_a_permanent_one_fails(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    smtp.fail_next("451 4.3.0 try again later")
    first = reply(dana, ident, "Hi Maria, on it.")
    gateway(relay)
    shown = delivery(dana, ident, first["id"])
    assert shown["delivery"] == "retrying" and "451" in shown["delivery_detail"]
    assert "retry 2/5" in shown["delivery_detail"]
    gateway(relay)  # not yet due
    assert smtp.captured() == []
    conn = sqlite3.connect(relay.store)
    with conn:
        conn.execute("UPDATE sent SET next_at = '2000-01-01T00:00:00Z'")  # the wait is over
    conn.close()
    gateway(relay)
    assert len(smtp.captured()) == 1
    assert delivery(dana, ident, first["id"])["delivery"] == "sent"
    smtp.fail_next("550 5.1.1 mailbox unavailable", stage="RCPT")
    second = reply(dana, ident, "Hi Maria, one more thing.")
    gateway(relay)
    shown = delivery(dana, ident, second["id"])
    assert shown["delivery"] == "failed" and "550 5.1.1" in shown["delivery_detail"]
    assert "(failed: SMTP 127.0.0.1" in ok(dana, "show", ident, "--no-pager")
    assert len(smtp.captured()) == 1


def test_a_reply_that_may_have_gone_is_looked_for_in_sent(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    gone = reply(dana, ident, "Hi Maria, sent before the gateway was killed.")
    lost = reply(dana, ident, "Hi Maria, never reached the server.")
    conn = sqlite3.connect(relay.store)
    with conn:  # what a gateway killed during the SMTP transaction leaves
        for sent in (gone, lost):
            conn.execute(
                "INSERT INTO sent(reply, address, conversation, message_id, state, attempts, at) "
                "VALUES (?, ?, ?, ?, 'sending', 1, '2026-12-04')",
                (sent["id"], SUPPORT, ident, f"{sent['id']}@acme.example.com"),
            )
    conn.close()
    copy = f"Message-ID: <{gone['id']}@acme.example.com>\r\nSubject: Re\r\n\r\nsent\r\n"
    dovecot.append(SUPPORT, "Sent", copy.encode())
    gateway(relay)
    (mail,) = smtp.captured()  # only the one that had not gone
    assert f"<{lost['id']}@acme.example.com>" in mail.data.decode()
    assert delivery(dana, ident, gone["id"])["delivery"] == "sent"
    assert delivery(dana, ident, lost["id"])["delivery"] == "sent"


def test_starttls_and_a_login_when_the_server_asks_for_them(
    relay: RelayProcess, dovecot: Dovecot, smtp_tls: Smtp, tmp_path: Path
) -> None:
    assert smtp_tls.tls is not None
    secret = tmp_path / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    done = run_inbox(
        tmp_path, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none",
        "--smtp", f"127.0.0.1:{smtp_tls.port}", "--smtp-security", "starttls",
        "--ca-file", str(smtp_tls.tls.ca), "--password-file", str(secret),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    dana = tmp_path / "dana"
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    dovecot.append(SUPPORT, "INBOX", CUSTOMER.replace(b"\n", b"\r\n"))
    gateway(relay)
    ok(dana, "sync")
    ident = json.loads(ok(dana, "list", "--json"))[0]["id"]
    ok(dana, "claim", ident)
    sent = reply(dana, ident, "Hi Maria, over TLS.")
    said = gateway(relay)
    assert len(smtp_tls.captured()) == 1, said
    (mail,) = smtp_tls.captured()
    assert mail.tls and mail.login == SUPPORT
    assert delivery(dana, ident, sent["id"])["delivery"] == "sent"


def test_the_sent_copy_is_no_second_message_and_an_answer_to_it_threads(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    ok(relay.where, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
       "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
       "--security", "none", "--password-file", str(tmp_path / "support.password"),
       "--folder", "Sent")  # fmt: skip
    sent = reply(dana, ident, "Hi Maria, the refund is on its way.")
    gateway(relay)
    (mail,) = smtp.captured()
    dovecot.append(SUPPORT, "Sent", mail.data)  # as the provider files what it sent
    answer = (
        "From: Maria Santos <maria@example.com>\r\nTo: support@acme.example.com\r\n"
        "Subject: Thank you!\r\nMessage-ID: <thanks-2041@example.com>\r\n"
        f"In-Reply-To: <{sent['id']}@acme.example.com>\r\n"
        "Date: Fri, 04 Dec 2026 09:00:00 +0000\r\n\r\nGot it, thanks.\r\n"
    )
    dovecot.append(SUPPORT, "INBOX", answer.encode())
    gateway(relay)
    ok(dana, "sync")
    assert [c["id"] for c in json.loads(ok(dana, "list", "--json"))] == [ident]
    view = json.loads(ok(dana, "show", ident, "--json"))
    bodies = [m["body"].strip() for m in view["messages"]]
    assert bodies.count("Hi Maria, the refund is on its way.") == 1
    assert "Got it, thanks." in bodies
