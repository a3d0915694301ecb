"""A conversation an agent composed, round the loop with real servers: `inbox compose`
queues its first message, the gateway sends it from the chosen mailbox over SMTP, the
customer's answer goes back through SMTP into Dovecot, the gateway reads it there and
it joins the same conversation, and a reply to it threads as any reply does."""

from __future__ import annotations

import email.utils
import json
import os
import smtplib
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.mailservers import BILLING, MAILBOXES, SUPPORT, Dovecot, Smtp
from tests.relay.gateway.test_outbound import gateway
from tests.relay.relays import DANA, RelayProcess, ok

CUSTOMER = "maria@example.com"


def joined(relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path) -> Path:
    """Dana's replica of a workspace whose support@ and billing@ the gateway reads and
    sends for; no mail has come in yet."""
    for address in (SUPPORT, BILLING):
        secret = tmp_path / f"{address}.password"
        secret.write_text(MAILBOXES[address] + "\n")
        os.chmod(secret, 0o600)
        done = run_inbox(
            tmp_path, "relay", "mailbox", "add", address, "--store", str(relay.store),
            "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
            "--security", "none", "--password-file", str(secret),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    dana = tmp_path / "dana"
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    signature = tmp_path / "sig.txt"
    signature.write_text("Acme Support\nhttps://acme.example.com/help\n")
    ok(dana, "mailbox", "add", SUPPORT, "--name", "Acme Support", "--signature-file",
       str(signature))  # fmt: skip
    ok(dana, "mailbox", "add", BILLING, "--name", "Acme Billing")
    ok(dana, "sync")
    return dana


def parsed(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def sent_to(smtp: Smtp, address: str) -> list[EmailMessage]:
    return [parsed(m.data) for m in smtp.captured() if address in m.rcpt_tos]


def customer_answers(smtp: Smtp, message_id: str, subject: str) -> None:
    """Maria's mail client answers: through the SMTP server, which delivers it into
    support@'s INBOX in Dovecot."""
    answer = EmailMessage()
    answer["From"] = f"Maria Santos <{CUSTOMER}>"
    answer["To"] = SUPPORT
    answer["Subject"] = f"Re: {subject}"
    answer["Message-ID"] = "<answer-1042@example.com>"
    answer["In-Reply-To"] = message_id
    answer["References"] = message_id
    answer["Date"] = email.utils.formatdate(time.time() + 60)  # after what it answers
    answer.set_content("Thanks! Can it come on Friday instead?\n")
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=30) as client:
        refused = client.send_message(answer)
    assert refused == {}


def view(dana: Path, ident: str) -> dict[str, Any]:
    ok(dana, "sync")
    return dict(json.loads(ok(dana, "show", ident, "--json")))


def test_a_composed_message_goes_from_its_mailbox_and_the_answer_threads_back(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana = joined(relay, dovecot, smtp, tmp_path)
    first = json.loads(
        ok(dana, "compose", "--from", SUPPORT, "--to", f"Maria Santos <{CUSTOMER}>",
           "--cc", "li@example.org", "--subject", "Your order 1042",
           "-m", "Hi Maria, your order ships on Thursday.", "--json")
    )  # fmt: skip
    ident = first["conversation"]
    ok(dana, "sync")
    assert "sent" in gateway(relay)

    (mail,) = smtp.captured()
    assert sorted(mail.rcpt_tos) == ["li@example.org", CUSTOMER]
    out = parsed(mail.data)
    assert out["From"] == "Acme Support <support@acme.example.com>"
    assert out["To"] == f"Maria Santos <{CUSTOMER}>" and out["Cc"] == "li@example.org"
    assert out["Subject"] == "Your order 1042"
    message_id = f"<{first['id']}@acme.example.com>"
    assert out["Message-ID"] == message_id
    assert "In-Reply-To" not in out and "References" not in out
    body = out.get_body(("plain",))
    assert body is not None
    assert str(body.get_content()).replace("\r\n", "\n") == (
        "Hi Maria, your order ships on Thursday.\n\n"
        "-- \nAcme Support\nhttps://acme.example.com/help\n"
    )
    shown = view(dana, ident)
    assert shown["messages"][0]["delivery"] == "sent"
    assert "via support@acme.example.com" in shown["messages"][0]["delivery_detail"]

    customer_answers(smtp, message_id, "Your order 1042")
    assert [m.delivered for m in smtp.captured()][-1] == [SUPPORT]  # in Dovecot's INBOX
    gateway(relay)  # reads it from Dovecot
    ok(dana, "sync")
    assert [c["id"] for c in json.loads(ok(dana, "list", "--json", "--status", "all"))] == [ident]
    shown = view(dana, ident)
    assert [m["direction"] for m in shown["messages"]] == ["out", "in"]
    assert shown["messages"][1]["message_id"] == "answer-1042@example.com"
    assert shown["messages"][1]["body"].startswith("Thanks! Can it come on Friday")

    again = json.loads(ok(dana, "reply", ident, "-m", "Friday it is.", "--json"))
    ok(dana, "sync")
    gateway(relay)
    (second,) = sent_to(smtp, CUSTOMER)[1:]
    assert second["Message-ID"] == f"<{again['id']}@acme.example.com>"
    assert second["Subject"] == "Re: Your order 1042"
    assert second["In-Reply-To"] == "<answer-1042@example.com>"
    assert second["References"] == f"{message_id} <answer-1042@example.com>"
    gateway(relay)  # nothing goes twice
    assert len(sent_to(smtp, CUSTOMER)) == 2


def test_a_composed_message_goes_from_the_mailbox_chosen_not_the_first(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana = joined(relay, dovecot, smtp, tmp_path)
    first = json.loads(
        ok(dana, "compose", "--from", BILLING, "--to", CUSTOMER, "--subject", "Invoice INV-2041",
           "-m", "Your invoice is attached to your account.", "--json")
    )  # fmt: skip
    ok(dana, "sync")
    gateway(relay)
    (out,) = sent_to(smtp, CUSTOMER)
    assert out["From"] == "Acme Billing <billing@acme.example.com>"
    assert out["Message-ID"] == f"<{first['id']}@acme.example.com>"
    assert "-- \n" not in str(out.get_body(("plain",)).get_content())  # billing@ signs nothing
    assert view(dana, first["conversation"])["mailbox"] == BILLING
