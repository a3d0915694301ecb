"""Attachments through the gateway, end to end with real servers: a mail's file read from
Dovecot into the relay's blobs and fetched by an agent's replica over HTTP; a file
attached to a reply sent with it over SMTP, and a reply whose file has not reached the
relay waiting for it without using an attempt."""

from __future__ import annotations

import email
import json
import os
import sqlite3
from email import policy
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import run_inbox
from tests.mailservers import Dovecot, Smtp
from tests.relay.gateway.test_outbound import gateway, setup
from tests.relay.relays import RelayProcess, ok

PDF = b"%PDF-1.4\n" + os.urandom(300_000) + b"\n%%EOF\n"


def mail_with_pdf() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maria Santos <maria@example.com>"
    msg["To"] = "support@acme.example.com"
    msg["Subject"] = "My invoice"
    msg["Message-ID"] = "<invoice-2041@example.com>"
    msg["Date"] = "Thu, 03 Dec 2026 10:00:00 +0000"
    msg.set_content("The invoice is attached.")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="INV-2041.pdf")
    return msg.as_bytes(policy=policy.SMTP)


def test_a_mails_pdf_reaches_an_agent_byte_for_byte_over_the_relay(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, _ = setup(relay, dovecot, smtp, tmp_path)
    dovecot.append("support@acme.example.com", "INBOX", mail_with_pdf())
    gateway(relay)
    ok(dana, "sync")
    ident = next(
        c["id"] for c in json.loads(ok(dana, "list", "--json")) if c["subject"] == "My invoice"
    )
    (listed,) = json.loads(ok(dana, "attachment", "list", ident, "--json"))
    assert listed["filename"] == "INV-2041.pdf" and listed["size"] == len(PDF)
    assert listed["kept"] == "relay" and listed["path"] is None
    ok(dana, "attachment", "get", ident, "1", "-o", str(tmp_path / "got.pdf"))
    assert (tmp_path / "got.pdf").read_bytes() == PDF
    (kept,) = json.loads(ok(dana, "attachment", "list", ident, "--json"))
    assert kept["kept"] == "here"
    relay.stop()  # kept on first use: offline from now on
    again = run_inbox(dana, "attachment", "get", ident, "1", "-o", "-", stdin=b"")
    assert again.returncode == 0 and again.stdout == PDF


def test_a_file_attached_to_a_reply_goes_out_with_it(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    (tmp_path / "refund.pdf").write_bytes(PDF)
    sent = json.loads(
        ok(dana, "reply", ident, "-m", "The credit note.", "--attach", str(tmp_path / "refund.pdf"),
           "--json")
    )  # fmt: skip
    assert [a["filename"] for a in sent["attachments"]] == ["refund.pdf"]
    ok(dana, "sync")
    gateway(relay)
    (mail,) = smtp.captured()
    parsed = email.message_from_bytes(mail.data, policy=policy.default)
    (part,) = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert part.get_filename() == "refund.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF
    assert "The credit note." in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_reply_waits_for_its_file_without_using_an_attempt(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    (tmp_path / "refund.pdf").write_bytes(PDF)
    sent = json.loads(
        ok(dana, "reply", ident, "-m", "Attached.", "--attach", str(tmp_path / "refund.pdf"),
           "--json")
    )  # fmt: skip
    mark = dana / "blobs" / "uploads" / sent["attachments"][0]["sha256"]
    assert mark.exists()
    mark.unlink()  # as if the document went ahead of its file (`sync --watch`)
    ok(dana, "sync")
    gateway(relay)
    assert smtp.captured() == []
    ok(dana, "sync")
    view = json.loads(ok(dana, "show", ident, "--json"))
    (reply,) = [m for m in view["messages"] if m["id"] == sent["id"]]
    assert reply["delivery"] == "queued" and "waiting" in reply["delivery_detail"]
    conn = sqlite3.connect(relay.store)
    assert conn.execute("SELECT count(*) FROM sent").fetchone() == (0,)  # no attempt made
    conn.close()
    mark.touch()
    ok(dana, "sync")  # the file now
    gateway(relay)
    assert len(smtp.captured()) == 1
    conn = sqlite3.connect(relay.store)
    assert conn.execute("SELECT state, attempts FROM sent").fetchone() == ("sent", 1)
    conn.close()


def test_a_file_attached_to_a_composed_message_goes_out_with_it(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, _ = setup(relay, dovecot, smtp, tmp_path)
    (tmp_path / "quote.pdf").write_bytes(PDF)
    sent = json.loads(
        ok(dana, "compose", "--from", "support@acme.example.com", "--to", "lee@example.com",
           "--subject", "Your quote", "-m", "The quote, as promised.",
           "--attach", str(tmp_path / "quote.pdf"), "--json")
    )  # fmt: skip
    assert [a["filename"] for a in sent["attachments"]] == ["quote.pdf"]
    refused = run_inbox(dana, "compose", "--from", "support@acme.example.com", "--to",
                        "lee@example.com", "--subject", "x", "-m", "y", "--draft",
                        "--attach", str(tmp_path / "quote.pdf"))  # fmt: skip
    assert refused.returncode == 2 and "--attach" in refused.stderr
    ok(dana, "sync")
    gateway(relay)
    (mail,) = smtp.captured()
    parsed = email.message_from_bytes(mail.data, policy=policy.default)
    assert parsed["To"] == "lee@example.com" and parsed["In-Reply-To"] is None
    (part,) = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert part.get_filename() == "quote.pdf" and part.get_content() == PDF
