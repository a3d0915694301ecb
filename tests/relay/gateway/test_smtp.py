"""What the gateway hands an SMTP server: the bytes it also files in Sent, and the
envelope they go to."""

from __future__ import annotations

from email.message import EmailMessage

from crdt.mail.compose import POLICY
from relay.gateway.smtp import _envelope, flatten


def test_a_bcc_goes_in_the_envelope_and_not_in_the_bytes() -> None:
    message = EmailMessage(policy=POLICY)
    message["From"] = "Acme Support <support@acme.example.com>"
    message["To"] = "Maria <maria@example.com>"
    message["Cc"] = "ops@example.com"
    message["Bcc"] = "audit@acme.example.com"
    message["Subject"] = "Re: Refund"
    message.set_content("Hi Maria,\n")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    raw = flatten(message)
    assert b"audit@" not in raw and raw.count(b"\n") == raw.count(b"\r\n")  # CRLF only
    assert message["Bcc"] == "audit@acme.example.com"  # the message itself keeps it
    assert _envelope(message) == (
        "support@acme.example.com",
        ["maria@example.com", "ops@example.com", "audit@acme.example.com"],
    )
