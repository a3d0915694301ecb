"""A bounce of a reply the gateway sent, end to end: the reply goes out over real SMTP, a
real delivery status notification (multipart/report) comes back into the mailbox through
the SMTP server and Dovecot, the gateway reads it, and every replica shows the reply
failed with the refusing server's words."""

from __future__ import annotations

import json
import smtplib
from pathlib import Path

from tests.mailservers import SUPPORT, Dovecot, Smtp
from tests.relay.gateway.test_outbound import delivery, gateway, reply, setup
from tests.relay.relays import RelayProcess, ok

DIAGNOSTIC = "550 5.1.1 <maria@example.com>: Recipient address rejected: mailbox unavailable"


def dsn(returned: bytes) -> bytes:
    """What an MTA sends back for mail it could not deliver (RFC 3464): a note, the
    machine-readable report, and the returned message's headers."""
    headers = returned.split(b"\r\n\r\n", 1)[0].decode("ascii")
    text = f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {SUPPORT}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-20261206-1@mx.example.com>
Date: Sun, 06 Dec 2026 10:00:00 +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to one or more recipients.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; maria@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; {DIAGNOSTIC}

--b1
Content-Type: text/rfc822-headers

{headers}

--b1--
"""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def test_a_bounce_of_a_sent_reply_marks_it_failed_where_every_replica_sees_it(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, the refund is on its way.")
    gateway(relay)
    (mail,) = smtp.captured()
    assert delivery(dana, ident, sent["id"])["delivery"] == "sent"
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as server:  # the null sender: <>
        server.sendmail("", [SUPPORT], dsn(mail.data))
    assert smtp.captured()[-1].delivered == [SUPPORT]  # into Dovecot's INBOX
    gateway(relay)
    shown = delivery(dana, ident, sent["id"])
    assert shown["delivery"] == "failed"
    assert shown["delivery_detail"] == f"bounced: {DIAGNOSTIC}"
    assert f"(failed: bounced: {DIAGNOSTIC})" in ok(dana, "show", ident, "--no-pager")
    view = json.loads(ok(dana, "show", ident, "--json"))
    (notice,) = [m for m in view["messages"] if m.get("kind") == "bounce"]
    assert notice["bounce"]["message_id"] == f"{sent['id']}@acme.example.com"
    assert view["status"] == "open" and len(json.loads(ok(dana, "list", "--json"))) == 1
    gateway(relay)  # the gateway goes on: nothing sent again, the failure stays
    assert len([m for m in smtp.captured() if m.rcpt_tos == ["maria@example.com"]]) == 1
    assert delivery(dana, ident, sent["id"])["delivery"] == "failed"
