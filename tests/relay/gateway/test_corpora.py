"""Corpora through the gateway, with real servers: the threading corpus APPENDed to
Dovecot (in a shuffled order, and in two pieces) threads as its truth says, as `inbox
import` of the folder does; the standard library's own test mail and broken mail we
make (a winmail.dat among it) are all read, and nothing stops the mailbox."""

from __future__ import annotations

import json
import random
import sysconfig
from email import policy
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import new_home, run_inbox
from tests.inbox_cli.commands.test_import import (
    CORPUS,
    EML,
    TRUTH,
    actual_grouping,
    everything,
    expected_grouping,
)
from tests.mailservers import SUPPORT, Dovecot
from tests.relay.gateway.test_inbound import connect, gateway_once, mailboxes, messages
from tests.relay.relays import DANA, RelayProcess, ok

STDLIB_DATA = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
TNEF = b"\x78\x9f\x3e\x22" + bytes(range(256)) * 8  # TNEF's signature, then its records


def test_the_threading_corpus_appended_over_imap_threads_as_its_truth(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = relay.join(tmp_path / "dana", DANA)
    connect(relay, dovecot, tmp_path)
    names = list(EML)
    random.Random(15).shuffle(names)
    half = len(names) // 2
    for name in names[:half]:
        dovecot.append(SUPPORT, "INBOX", (CORPUS / name).read_bytes())
    gateway_once(relay)  # the first piece, then the rest: order and pieces do not matter
    for name in names[half:]:
        dovecot.append(SUPPORT, "INBOX", (CORPUS / name).read_bytes())
    gateway_once(relay)
    ok(dana, "sync")
    inbox = [c for c in everything(dana) if c["status"] != "spam"]
    assert actual_grouping(inbox) == expected_grouping(
        c["messages"] for c in TRUTH["conversations"]
    )
    state = mailboxes(relay)[SUPPORT]
    assert (state["state"], state["last_uid"]) == ("idle", len(names))


def test_the_standard_librarys_test_mail_is_all_read(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = relay.join(tmp_path / "dana", DANA)
    connect(relay, dovecot, tmp_path)
    files = sorted(STDLIB_DATA.glob("msg_*.txt"))
    assert len(files) > 40
    for path in files:
        dovecot.append(SUPPORT, "INBOX", path.read_bytes())
    gateway_once(relay)
    state = mailboxes(relay)[SUPPORT]
    assert (state["state"], state["last_uid"], state["error"]) == ("idle", len(files), None)
    here = new_home(tmp_path / "here")  # the same files imported where an agent is
    folder = tmp_path / "files"
    folder.mkdir()
    for path in files:
        (folder / path.name).write_bytes(path.read_bytes())
    ok(here, "import", str(folder))
    assert set(messages(dana)) == set(_all_ids(here))  # the import's rules, unchanged
    assert len(set(messages(dana))) > 20  # (many of its files share a Message-ID)


def test_broken_mail_and_a_winmail_dat_are_read_and_the_mail_after_them_too(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = relay.join(tmp_path / "dana", DANA)
    connect(relay, dovecot, tmp_path)
    for raw in [*_broken(), _winmail(), _plain("after-the-broken", "Still here")]:
        dovecot.append(SUPPORT, "INBOX", raw)
    gateway_once(relay)
    state = mailboxes(relay)[SUPPORT]
    assert (state["state"], state["error"]) == ("idle", None)
    ok(dana, "sync")
    rows = {r["subject"]: r for r in json.loads(ok(dana, "list", "--status", "all", "--json"))}
    assert "Still here" in rows
    assert {"No end to its parts", "Not base64 at all", "Nul bytes"} <= set(rows)
    ident = rows["Outlook sent this"]["id"]
    listed = json.loads(ok(dana, "attachment", "list", ident, "--json"))
    assert [(a["filename"], a["content_type"], a["size"]) for a in listed] == [
        ("winmail.dat", "application/ms-tnef", len(TNEF))
    ]
    got = run_inbox(dana, "attachment", "get", ident, "1", "-o", "-", stdin=b"")
    assert got.returncode == 0 and got.stdout == TNEF


def _all_ids(home: Path) -> list[str]:
    rows = json.loads(ok(home, "list", "--status", "all", "--limit", "0", "--json"))
    views = [json.loads(ok(home, "show", r["id"], "--json")) for r in rows]
    return [m["message_id"] for v in views for m in v["messages"]]


def _plain(ident: str, subject: str, body: str = "Hello.") -> bytes:
    return (
        f"From: Lee <lee@example.com>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{ident}@example.com>\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def _broken() -> list[bytes]:
    head = f"From: lee@example.com\r\nTo: {SUPPORT}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
    return [
        (
            head + "Subject: No end to its parts\r\nMessage-ID: <no-end@example.com>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nThe first part, and no closing line\r\n"
        ).encode(),
        (
            head + "Subject: Not base64 at all\r\nMessage-ID: <bad-b64@example.com>\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n!!! this is ~not~ base64 ***\r\n"
        ).encode(),
        (
            head + "Subject: Nul bytes\r\nMessage-ID: <nul@example.com>\r\n\r\na\x00b\x00c\r\n"
        ).encode(),
        head.encode() + b"Subject: Caf\xe9 8-bit\r\nMessage-ID: <eight@example.com>\r\n\r\nx\r\n",
        (
            head + f"Subject: Long\r\nMessage-ID: <long@example.com>\r\nX-Long: {'y' * 5000}\r\n"
            "\r\nbody\r\n"
        ).encode(),
    ]


def _winmail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Pat <pat@example.com>"
    msg["To"] = SUPPORT
    msg["Subject"] = "Outlook sent this"
    msg["Message-ID"] = "<winmail@example.com>"
    msg["Date"] = "Thu, 03 Dec 2026 10:00:00 +0000"
    msg.set_content("See the attachment.")
    msg.add_attachment(TNEF, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return msg.as_bytes(policy=policy.SMTP)
