"""The mail servers the gateway's tests run are real and do what those tests will lean on:
IMAP logins, APPEND and FETCH by UID, IDLE, TLS against a throwaway CA, SMTP delivery
back into Dovecot, injected SMTP errors, restarts and a changed UIDVALIDITY."""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.mailservers import BILLING, SUPPORT, Dovecot, Smtp

CUSTOMER = "maria@example.com"


def message(subject: str, to: str = SUPPORT, sender: str = CUSTOMER) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = f"<{subject.replace(' ', '-')}@example.com>"
    mail.set_content(f"{subject}: the body\n")
    return mail


def raw(subject: str) -> bytes:
    return message(subject).as_bytes().replace(b"\n", b"\r\n")


def send(server: Smtp, mail: EmailMessage, **options: Any) -> Any:
    """aiosmtplib's send to ``server``, plain unless ``options`` say otherwise."""
    options.setdefault("start_tls", False)
    recipients = options.pop("recipients", None)
    return asyncio.run(
        aiosmtplib.send(
            mail, hostname=server.host, port=server.port, recipients=recipients, **options
        )
    )


def inbox_subjects(dovecot: Dovecot, address: str) -> list[str]:
    with dovecot.client(address) as imap:
        imap.select_folder("INBOX", readonly=True)
        fetched = imap.fetch(imap.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    headers = [f[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode() for f in fetched.values()]
    return [h.split(":", 1)[1].strip() for h in headers]


def test_a_message_appended_over_imap_is_fetched_back_by_its_uid(dovecot: Dovecot) -> None:
    sent = raw("double charge")
    uid = dovecot.append(SUPPORT, "INBOX", sent)
    with dovecot.client(SUPPORT) as imap:
        imap.select_folder("INBOX")
        fetched = imap.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
    assert fetched[uid][b"BODY[]"] == sent
    assert [p.name for p in (dovecot.maildir(SUPPORT) / "cur").iterdir()]  # a real Maildir
    assert inbox_subjects(dovecot, BILLING) == []  # each mailbox its own


def test_a_folder_is_made_by_the_first_append_to_it(dovecot: Dovecot) -> None:
    uid = dovecot.append(SUPPORT, "Sent", raw("our reply"), flags=("\\Seen",))
    with dovecot.client(SUPPORT) as imap:
        assert imap.select_folder("Sent")[b"EXISTS"] == 1
        assert b"\\Seen" in imap.get_flags([uid])[uid]
    assert dovecot.maildir(SUPPORT, "Sent").name == ".Sent"
    assert any((dovecot.maildir(SUPPORT, "Sent") / "cur").iterdir())


def test_idle_is_advertised_and_wakes_on_new_mail(dovecot: Dovecot) -> None:
    with dovecot.client(SUPPORT) as imap:
        assert {b"IDLE", b"UIDPLUS", b"CONDSTORE", b"QRESYNC", b"MOVE"} <= set(imap.capabilities())
        imap.select_folder("INBOX")
        imap.idle()
        dovecot.append(SUPPORT, "INBOX", raw("while idle"))
        woken = imap.idle_check(timeout=5)
        imap.idle_done()
    assert (1, b"EXISTS") in woken


def test_a_wrong_password_is_refused_and_a_new_user_logs_in(dovecot: Dovecot) -> None:
    imap = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    with pytest.raises(LoginError):
        imap.login(SUPPORT, "not-the-password")
    imap.logout()
    dovecot.add_user("sales@acme.example.com", "sales-secret")  # the server is running
    assert inbox_subjects(dovecot, "sales@acme.example.com") == []


def test_over_tls_the_client_verifies_the_throwaway_ca(dovecot_tls: Dovecot) -> None:
    with dovecot_tls.client(SUPPORT) as imap:  # its context trusts the CA, and only it
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    system_trust = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(dovecot_tls.host, dovecot_tls.port, ssl=True, ssl_context=system_trust)


def test_mail_sent_over_smtp_is_captured_and_comes_back_over_imap(
    smtp: Smtp, dovecot: Dovecot
) -> None:
    mail = message("re: double charge", to=CUSTOMER, sender=SUPPORT)
    send(smtp, mail, sender=SUPPORT, recipients=[CUSTOMER, SUPPORT])  # a copy to ourselves
    (captured,) = smtp.captured()
    assert (captured.mail_from, captured.rcpt_tos) == (SUPPORT, [CUSTOMER, SUPPORT])
    assert captured.delivered == [SUPPORT]  # the customer is no Dovecot user
    assert (captured.login, captured.tls) == (None, False)
    assert b"Subject: re: double charge" in captured.data
    assert inbox_subjects(dovecot, SUPPORT) == ["re: double charge"]
    assert inbox_subjects(dovecot, BILLING) == []


def test_smtp_with_tls_wants_starttls_and_a_mailbox_login(smtp_tls: Smtp, dovecot: Dovecot) -> None:
    tls = {"start_tls": True, "tls_context": smtp_tls.ssl_context()}
    password = dovecot.users[SUPPORT]
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as anonymous:
        send(smtp_tls, message("anonymous"), **tls)
    assert anonymous.value.code == 530
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as wrong:
        send(smtp_tls, message("wrong"), username=SUPPORT, password="nope", **tls)
    assert wrong.value.code == 535
    with pytest.raises(aiosmtplib.SMTPException, match="AUTH extension is not supported"):
        send(smtp_tls, message("in the clear"), username=SUPPORT, password=password)
    send(smtp_tls, message("signed in"), username=SUPPORT, password=password, **tls)
    (captured,) = smtp_tls.captured()
    assert (captured.login, captured.tls, captured.delivered) == (SUPPORT, True, [SUPPORT])
    assert inbox_subjects(dovecot, SUPPORT) == ["signed in"]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_smtp_takes_auth_plain_and_login(smtp_tls: Smtp, dovecot: Dovecot, mechanism: str) -> None:
    async def sign_in() -> Any:
        context = smtp_tls.ssl_context()
        client = aiosmtplib.SMTP(
            hostname=smtp_tls.host, port=smtp_tls.port, start_tls=True, tls_context=context
        )
        async with client:
            await client.ehlo()  # again, after STARTTLS
            login = client.auth_plain if mechanism == "PLAIN" else client.auth_login
            return await login(BILLING, dovecot.users[BILLING])

    assert asyncio.run(sign_in()).code == 235


def test_an_injected_error_is_answered_the_given_number_of_times(smtp: Smtp) -> None:
    smtp.fail_next("451 4.3.0 Try again later", times=2)
    for _ in range(2):
        with pytest.raises(aiosmtplib.SMTPDataError) as failed:
            send(smtp, message("deferred"))
        assert failed.value.code == 451 and "Try again later" in failed.value.message
    send(smtp, message("deferred"))
    assert [c.rcpt_tos for c in smtp.captured()] == [[SUPPORT]]  # only the accepted one


def test_an_unknown_recipient_can_be_refused_at_rcpt(smtp: Smtp) -> None:
    smtp.fail_next("550 5.1.1 No such user here", stage="RCPT")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        send(smtp, message("bounce", to="gone@example.net"))
    (error,) = refused.value.recipients
    assert (error.code, error.recipient) == (550, "gone@example.net")
    assert smtp.captured() == []


def test_stopping_and_starting_dovecot_keeps_the_mail_the_port_and_the_uids(
    dovecot: Dovecot,
) -> None:
    uid = dovecot.append(SUPPORT, "INBOX", raw("kept"))
    before = dovecot.uidvalidity(SUPPORT)
    dovecot.stop()
    with pytest.raises(OSError):
        IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=2)
    dovecot.start()
    with dovecot.client(SUPPORT) as imap:
        assert imap.select_folder("INBOX")[b"UIDVALIDITY"] == before
        assert list(imap.fetch([uid], ["UID"])) == [uid]


def test_the_uidvalidity_helper_changes_what_imap_reports(dovecot: Dovecot) -> None:
    uid = dovecot.append(SUPPORT, "INBOX", raw("before the rebuild"))
    with dovecot.client(SUPPORT) as imap:
        before = imap.select_folder("INBOX")[b"UIDVALIDITY"]
    after = dovecot.change_uidvalidity(SUPPORT)
    assert after != before
    with dovecot.client(SUPPORT) as imap:
        assert imap.select_folder("INBOX")[b"UIDVALIDITY"] == after
        assert list(imap.search("ALL")) == [uid]  # the mail is still there
