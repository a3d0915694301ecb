"""The gateway's own copy of a reply in the mailbox's Sent folder, with real Dovecot and
SMTP servers: filed once, the bytes sent, read; not filed where the server files it; and
filed once still when the gateway dies between the server's yes and the APPEND, or
between the APPEND and its record."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crdt.replica import Replica
from relay.client import link
from relay.client.address import Relay
from relay.client.tokens import kept_token
from relay.gateway import outbound, peer, runner
from relay.gateway.settings import Settings
from relay.store import RelayStore
from tests.mailservers import SUPPORT, Dovecot, Smtp
from tests.relay.gateway.test_outbound import gateway, reply, setup
from tests.relay.relays import RelayProcess, ok


class Killed(BaseException):
    """The gateway's death at a chosen point: nothing of its own catches it, and what it
    had committed stays as a SIGKILL would leave it."""


def in_sent(dovecot: Dovecot, message_id: str) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """The messages of support@'s Sent folder with this Message-ID: bytes and flags."""
    with dovecot.client(SUPPORT) as imap:
        if not imap.folder_exists("Sent"):
            return []
        imap.select_folder("Sent", readonly=True)
        uids = imap.search(["HEADER", "Message-ID", message_id])
        fetched = imap.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
    return [(f[b"BODY[]"], tuple(f[b"FLAGS"])) for f in fetched.values()]


def ledger(relay: RelayProcess, reply_id: str) -> tuple[str, str | None, bool]:
    """The reply's state in the sent ledger, when its copy was filed, and whether its
    bytes are still kept."""
    conn = sqlite3.connect(relay.store)
    row = conn.execute(
        "SELECT state, filed, copy IS NOT NULL FROM sent WHERE reply = ?", (reply_id,)
    ).fetchone()
    conn.close()
    return str(row[0]), row[1], bool(row[2])


def sends_in_process(relay: RelayProcess, file: outbound.File, say: outbound.Say = print) -> None:
    """One round of the gateway's sending, its real steps in this process, but for how
    the copy is filed: the gateway's replica brought up to date, every due reply sent."""
    home = peer.home_of(relay.store)
    with Replica.open(home) as replica, RelayStore.open(relay.store) as store:
        link.sync_once(replica, Relay(relay.url), kept_token(home))
        mailboxes = {s.address: s for s in (Settings.of(m["settings"]) for m in store.mailboxes())}
        outbound.send_due(replica, store, mailboxes, runner._secret, runner._in_sent, file, say)


def test_a_server_that_files_nothing_gets_one_copy_the_bytes_sent(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, the refund is on its way.")
    gateway(relay)
    (mail,) = smtp.captured()
    message_id = f"{sent['id']}@acme.example.com"
    ((copy, flags),) = in_sent(dovecot, message_id)
    assert copy == mail.data and b"\\Seen" in flags
    state, filed, kept = ledger(relay, sent["id"])
    assert state == "sent" and filed and not kept
    gateway(relay)  # filed once
    assert len(in_sent(dovecot, message_id)) == 1


@pytest.mark.parametrize("setting", ["server", "append"])
def test_a_server_that_files_what_it_sends_gets_no_second_copy(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path, setting: str
) -> None:
    """``server``: the gateway files nothing; ``append`` on such a server: it finds the
    server's copy before it would file its own."""
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    ok(relay.where, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
       "--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}",
       "--security", "none", "--password-file", str(tmp_path / "support.password"),
       "--sent-copy", setting)  # fmt: skip
    smtp.route(dovecot, file_sent=True)
    sent = reply(dana, ident, "Hi Maria, the refund is on its way.")
    gateway(relay)
    gateway(relay)
    assert len(smtp.captured()) == 1
    assert len(in_sent(dovecot, f"{sent['id']}@acme.example.com")) == 1
    assert ledger(relay, sent["id"])[2] is False  # nothing left to file


def test_a_gateway_killed_before_the_append_files_the_copy_once_when_started_again(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, sent just before the gateway died.")
    message_id = f"{sent['id']}@acme.example.com"

    def dies(settings: Settings, message_id: str, raw: bytes) -> bool:
        raise Killed

    with pytest.raises(Killed):
        sends_in_process(relay, dies)
    assert len(smtp.captured()) == 1 and in_sent(dovecot, message_id) == []
    assert ledger(relay, sent["id"]) == ("sent", None, True)
    gateway(relay)  # started again: the real process
    ((copy, _),) = in_sent(dovecot, message_id)
    assert copy == smtp.captured()[0].data
    assert len(smtp.captured()) == 1  # and not sent again
    assert ledger(relay, sent["id"])[1] is not None


def test_a_gateway_killed_after_the_append_does_not_file_it_twice(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, filed just before the gateway died.")
    message_id = f"{sent['id']}@acme.example.com"

    def files_then_dies(settings: Settings, message_id: str, raw: bytes) -> bool:
        runner._file(settings, message_id, raw)
        raise Killed

    with pytest.raises(Killed):
        sends_in_process(relay, files_then_dies)
    assert len(in_sent(dovecot, message_id)) == 1
    assert ledger(relay, sent["id"]) == ("sent", None, True)  # its record never made
    gateway(relay)
    assert len(in_sent(dovecot, message_id)) == 1
    assert ledger(relay, sent["id"])[1:] != (None, True)
    assert len(smtp.captured()) == 1


def test_a_sent_folder_out_of_reach_is_filed_later(
    relay: RelayProcess, dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    """Dovecot down once the reply went: the copy waits in the ledger, then is filed."""
    dana, ident = setup(relay, dovecot, smtp, tmp_path)
    sent = reply(dana, ident, "Hi Maria, filed once Dovecot is back.")
    smtp.route(None)  # the SMTP server takes it without Dovecot
    dovecot.stop()
    try:
        said: list[str] = []
        sends_in_process(relay, runner._file, said.append)
    finally:
        dovecot.start()
    assert len(smtp.captured()) == 1
    assert any("the copy of" in line and "Sent" in line for line in said), said
    assert ledger(relay, sent["id"]) == ("sent", None, True)
    gateway(relay)
    assert len(in_sent(dovecot, f"{sent['id']}@acme.example.com")) == 1
