"""The gateway's IMAP connection against a real Dovecot (tests/mailservers.py): logins
plain on loopback and over verified TLS, fetching by UID in bounded batches, IDLE,
Message-ID lookups, APPEND, UIDVALIDITY changes and a server that goes away; and a
hostile server that answers more than a connection may hold."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from relay.gateway.errors import ConfigError, MailServerError
from relay.gateway.imap import Fetched, Imap, Skipped
from tests.mailservers import BILLING, SUPPORT, Dovecot


def mail(subject: str, message_id: str | None = None, body: str = "the body") -> bytes:
    """A message as a mail client would append it (CRLF line ends)."""
    message_id = message_id or f"<{subject.replace(' ', '-')}@example.com>"
    lines = [
        "From: maria@example.com",
        f"To: {SUPPORT}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


def connect(server: Dovecot, address: str = SUPPORT, **options: object) -> Imap:
    options.setdefault("password", server.users[address])
    security = "tls" if server.tls else "none"
    return Imap.connect(server.host, server.port, security, address, **options)


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[Imap]:
    """support@ logged in over plain text on loopback, INBOX selected."""
    with connect(dovecot) as connection:
        connection.select("INBOX")
        yield connection


def shut_down(server: Dovecot) -> None:
    """Stop Dovecot with its sessions (``stop`` alone leaves them running, their
    master gone): each is told BYE and closed, as when a server shuts down."""
    for address in server.users:
        assert server.doveadm("kick", address).returncode in (0, 68)  # 68: none to kick
    server.stop()


def uids(batches: list[list[Fetched | Skipped]]) -> list[list[int]]:
    return [[m.uid for m in batch] for batch in batches]


def test_plain_text_on_loopback_logs_in_and_selects(dovecot: Dovecot) -> None:
    with connect(dovecot) as imap:
        assert {"IDLE", "UIDPLUS", "CONDSTORE"} <= imap.capabilities and imap.idle
        assert "INBOX" in {f.name for f in imap.folders()}
        state = imap.select("INBOX")
    assert state.exists == 0 and state.uidnext >= 1 and state.uidvalidity > 0
    assert isinstance(state.highestmodseq, int)  # CONDSTORE enabled


def test_plain_text_off_loopback_is_refused_before_connecting() -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError, match="clear text") as refused:
        # TEST-NET-1 answers nothing: a connection attempt would wait out the timeout
        Imap.connect("192.0.2.1", 143, "none", SUPPORT, password="x", timeout=5)
    assert time.monotonic() - started < 0.5
    assert refused.value.exit_code == 2


def test_tls_is_verified_against_the_ca_file(dovecot_tls: Dovecot) -> None:
    assert dovecot_tls.tls is not None
    with connect(dovecot_tls, ca_file=str(dovecot_tls.tls.ca)) as imap:
        assert imap.select("INBOX").exists == 0


def test_tls_without_the_ca_is_refused_for_good(dovecot_tls: Dovecot) -> None:
    with pytest.raises(MailServerError, match="certificate is refused") as refused:
        connect(dovecot_tls)  # the system's CAs do not know the throwaway one
    assert refused.value.temporary is False


def test_tls_to_a_plain_text_port_fails_for_good(dovecot: Dovecot) -> None:
    with pytest.raises(MailServerError, match="TLS failed") as failed:
        Imap.connect(dovecot.host, dovecot.port, "tls", SUPPORT, password="x", timeout=5)
    assert failed.value.temporary is False


def test_starttls_is_insisted_on(dovecot: Dovecot) -> None:
    """This Dovecot has no TLS at all: no STARTTLS, so no login in clear text."""
    with pytest.raises(MailServerError, match="does not offer STARTTLS") as refused:
        Imap.connect(dovecot.host, dovecot.port, "starttls", SUPPORT, password="x")
    assert refused.value.temporary is False


def test_a_wrong_password_is_refused_for_good_and_not_repeated(dovecot: Dovecot) -> None:
    with pytest.raises(MailServerError, match="refused") as refused:
        connect(dovecot, password="not-the-password")
    assert refused.value.temporary is False
    assert "not-the-password" not in str(refused.value)
    assert refused.value.__cause__ is None  # the chain may not carry it either


def test_an_oauth2_token_needs_xoauth2(dovecot: Dovecot) -> None:
    with pytest.raises(MailServerError, match="XOAUTH2") as refused:
        connect(dovecot, password=None, oauth_token="ya29.secret-token")
    assert refused.value.temporary is False
    assert "secret-token" not in str(refused.value)


def test_a_password_and_a_token_together_are_refused(dovecot: Dovecot) -> None:
    with pytest.raises(ConfigError):
        connect(dovecot, oauth_token="token")


def test_nothing_listening_is_temporary(dovecot: Dovecot) -> None:
    dovecot.stop()
    with pytest.raises(MailServerError) as failed:
        connect(dovecot, timeout=2)
    assert failed.value.temporary is True


def test_fetch_since_gives_exactly_the_new_uids_in_order(dovecot: Dovecot, imap: Imap) -> None:
    sent = [mail(f"message {i}") for i in range(4)]
    appended = [dovecot.append(SUPPORT, "INBOX", raw) for raw in sent]
    when = datetime(2026, 11, 24, 9, 12, 3, tzinfo=UTC)
    dated = imap.append("INBOX", mail("dated"), flags=(), when=when)
    assert dated is not None
    dovecot.append(BILLING, "INBOX", mail("someone else's"))

    everything = [m for batch in imap.fetch_since(0) for m in batch]
    assert [m.uid for m in everything] == [*appended, dated]
    assert all(isinstance(m, Fetched) for m in everything)
    assert [m.raw for m in everything if isinstance(m, Fetched)] == [*sent, mail("dated")]
    assert everything[-1].internaldate == when
    assert all(m.internaldate.tzinfo == UTC for m in everything)
    assert all(m.size == len(m.raw) for m in everything if isinstance(m, Fetched))

    newer = [m.uid for batch in imap.fetch_since(appended[1]) for m in batch]
    assert newer == [appended[2], appended[3], dated]
    assert list(imap.fetch_since(dated)) == []  # "N:*" past the last UID names nothing new


def test_fetch_since_takes_mail_that_came_after_the_select(dovecot: Dovecot, imap: Imap) -> None:
    uid = dovecot.append(SUPPORT, "INBOX", mail("late"))
    assert uids(list(imap.fetch_since(0))) == [[uid]]


def test_batches_are_bounded_by_count_and_by_bytes(dovecot: Dovecot, imap: Imap) -> None:
    appended = [dovecot.append(SUPPORT, "INBOX", mail(f"m{i}", body="x" * 900)) for i in range(5)]
    assert uids(list(imap.fetch_since(0, batch=2))) == [appended[0:2], appended[2:4], appended[4:]]
    by_bytes = list(imap.fetch_since(0, batch_bytes=2500))  # two ~1 KB messages a batch
    assert uids(by_bytes) == [appended[0:2], appended[2:4], appended[4:]]
    alone = list(imap.fetch_since(0, batch_bytes=10))  # each larger than the batch: alone
    assert uids(alone) == [[u] for u in appended]


def test_a_message_over_the_size_cap_is_skipped_not_fetched(dovecot: Dovecot, imap: Imap) -> None:
    small = dovecot.append(SUPPORT, "INBOX", mail("small"))
    big = dovecot.append(SUPPORT, "INBOX", mail("big", body="x" * 5000))
    (batch,) = list(imap.fetch_since(0, max_size=2000))
    assert [type(m) for m in batch] == [Fetched, Skipped]
    assert batch[1].uid == big and batch[1].size > 5000
    assert batch[0].uid == small


def test_a_changed_uidvalidity_shows_in_select(dovecot: Dovecot, imap: Imap) -> None:
    dovecot.append(SUPPORT, "INBOX", mail("before the rebuild"))
    before = imap.select("INBOX").uidvalidity
    after = dovecot.change_uidvalidity(SUPPORT)
    assert after != before
    assert imap.select("INBOX").uidvalidity == after


def test_wait_wakes_when_mail_comes_during_idle(dovecot: Dovecot, imap: Imap) -> None:
    later = threading.Timer(0.2, dovecot.append, (SUPPORT, "INBOX", mail("while idle")))
    started = time.monotonic()
    later.start()
    try:
        assert imap.wait(10) is True
    finally:
        later.join()
    assert time.monotonic() - started < 2
    assert len(uids(list(imap.fetch_since(0)))) == 1
    assert imap.wait(0.3) is False  # the news was taken: nothing new since


def test_wait_times_out_when_nothing_comes(imap: Imap) -> None:
    started = time.monotonic()
    assert imap.wait(0.3) is False
    assert 0.3 <= time.monotonic() - started < 1.5
    assert imap.select("INBOX").exists == 0  # the connection is still good


def test_wait_without_idle_polls_with_noop(dovecot: Dovecot, imap: Imap) -> None:
    imap.idle, imap.poll_interval = False, 0.1  # as for a server without IDLE
    assert imap.wait(0.3) is False
    later = threading.Timer(0.2, dovecot.append, (SUPPORT, "INBOX", mail("polled")))
    later.start()
    try:
        assert imap.wait(5) is True
    finally:
        later.join()


def test_mail_that_came_during_a_fetch_wakes_wait_at_once(dovecot: Dovecot, imap: Imap) -> None:
    first = dovecot.append(SUPPORT, "INBOX", mail("first"))
    dovecot.append(SUPPORT, "INBOX", mail("second"))  # its EXISTS comes with the next answer
    imap.find_message_id("INBOX", "<nothing@example.com>")  # any command takes it
    started = time.monotonic()
    assert imap.wait(5) is True
    assert time.monotonic() - started < 0.5
    assert [m.uid for b in imap.fetch_since(first) for m in b] == [first + 1]


def test_find_message_id_matches_whole_ids_only(dovecot: Dovecot, imap: Imap) -> None:
    uid = dovecot.append(SUPPORT, "Sent", mail("reply", message_id="<reply-42@acme.example.com>"))
    dovecot.append(SUPPORT, "Sent", mail("other", message_id="<reply-4@acme.example.com.x>"))
    assert imap.find_message_id("Sent", "<reply-42@acme.example.com>") == uid
    assert imap.find_message_id("Sent", "reply-42@acme.example.com") == uid  # <> optional
    assert imap.find_message_id("Sent", "<reply-4@acme.example.com>") is None  # a substring
    assert imap.find_message_id("Sent", "<ply-42@acme.example.com>") is None
    assert imap.find_message_id("Sent", "<nobody@example.com>") is None
    assert imap.folder == "Sent"
    with pytest.raises(ConfigError):
        imap.find_message_id("Sent", "two words")


def test_append_to_sent_gives_the_uid(dovecot: Dovecot, imap: Imap) -> None:
    reply = mail("our reply", message_id="<ours@acme.example.com>")
    with pytest.raises(MailServerError, match="TRYCREATE") as missing:
        imap.append("Sent", reply)  # this Dovecot has no Sent folder until one is made
    assert missing.value.temporary is False
    uid = imap.append("Sent", reply, create=True)
    assert uid is not None
    assert imap.append("Sent", mail("another")) == uid + 1
    with dovecot.client(SUPPORT) as other:
        other.select_folder("Sent")
        fetched = other.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
    assert fetched[uid][b"BODY[]"] == reply
    assert b"\\Seen" in fetched[uid][b"FLAGS"]
    assert imap.find_message_id("Sent", "<ours@acme.example.com>") == uid


def test_dovecot_stopped_mid_connection_is_temporary(dovecot: Dovecot, imap: Imap) -> None:
    dovecot.append(SUPPORT, "INBOX", mail("kept"))
    shut_down(dovecot)
    with pytest.raises(MailServerError) as failed:
        list(imap.fetch_since(0))
    assert failed.value.temporary is True
    with pytest.raises(MailServerError, match="closed") as closed:
        imap.select("INBOX")  # the connection is gone: connect again
    assert closed.value.temporary is True


def test_dovecot_stopped_during_idle_is_temporary(dovecot: Dovecot, imap: Imap) -> None:
    later = threading.Timer(0.2, shut_down, (dovecot,))
    later.start()
    try:
        with pytest.raises(MailServerError) as failed:
            imap.wait(10)
    finally:
        later.join()
    assert failed.value.temporary is True


class Hostile:
    """A server on loopback that greets as IMAP, then answers the first command with
    ``answer`` (a literal too large, a line without end) and closes."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn, self.listener:
            conn.sendall(b"* OK hostile ready\r\n")
            conn.recv(1000)
            with contextlib.suppress(OSError):  # it hangs up once it has had enough
                conn.sendall(self.answer)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (b"* CAPABILITY {100000000}\r\n" + b"x" * 100_000, "more than 64 MB"),
        (b"* CAPABILITY " + b"A" * 1_100_000, "a line over 1 MB"),
    ],
)
def test_a_server_sending_too_much_is_cut_off(answer: bytes, said: str) -> None:
    hostile = Hostile(answer)
    with pytest.raises(MailServerError, match=said) as failed:
        Imap.connect("127.0.0.1", hostile.port, "none", SUPPORT, password="x", timeout=5)
    assert failed.value.temporary is False
    hostile.thread.join(5)
