"""The email a queued reply becomes, over the example workspace's own mail: headers,
body, threading, attachments, what is never emailed, and that the mail read back by the
import's parser is the reply it was made from."""

from __future__ import annotations

import copy
import email
import functools
import io
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from typing import Any, get_args

import pytest

from crdt.ingest.importer import message_of
from crdt.ingest.sources import mbox_messages
from crdt.mail.compose import (
    MAX_FILENAME,
    MAX_REFERENCES,
    NEVER_ANSWERED,
    AttachedFile,
    emailable,
    message_id_for,
    never_answer,
    outgoing,
    references,
    safe_filename,
    usable_address,
    why_not_emailed,
)
from crdt.mail.kinds import MailKind
from crdt.mail.parse import parse_mail
from crdt.mail.threads import MemoryThreadIndex, decide
from crdt.model.clock import to_iso
from crdt.workflow.replies import outbound
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "mail" / "support.mbox"
BILLING, SUPPORT = "billing@acme.example.com", "support@acme.example.com"
MAILBOXES = {
    BILLING: {"address": BILLING, "name": "Acme Billing"},
    SUPPORT: {"address": SUPPORT, "name": "Acme Support"},
}
DANA = {"email": "dana@acme.example.com", "name": "Dana Whitfield"}
OWN = frozenset({*MAILBOXES, DANA["email"], "ben@acme.example.com"})
REPLY_ID, OTHER_ID = "5575" + "a" * 28, "9f1c" + "b" * 28
AT = datetime(2026, 11, 25, 10, 2, 41, tzinfo=UTC)
OUTLOOK_ID = "DB9PR08MB6619D9E8F0A0F6A3C7B14C4DA1C49@DB9PR08MB6619.eurprd08.prod.outlook.com"


# -- the example workspace's mail, threaded as the import threads it --------------------------


@functools.cache
def _examples() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The conversations of examples/mail/support.mbox as view dicts (view.py's keys),
    built from the project's own parser and threading, in the order they were opened."""
    index = MemoryThreadIndex()
    found: dict[str, dict[str, Any]] = {}
    for raw in mbox_messages(EXAMPLE.read_bytes()):
        rec = parse_mail(raw)
        d = decide(rec, index, frozenset(MAILBOXES))
        if d.conversation_id is None or d.action == "duplicate":
            continue
        index.record(d.conversation_id, rec, d.direction, d.customer_email)
        assert rec.date is not None
        ours = rec.from_email if d.direction == "out" else rec.to[0].email
        conv = found.setdefault(
            d.conversation_id,
            {
                "id": d.conversation_id,
                "subject": rec.subject,
                "channel": "email",
                "mailbox": ours if ours in MAILBOXES else None,
                "customer": d.customer_email,
                "customer_name": rec.from_name,
                "messages": [],
                "notes": [],
            },
        )
        entry = {**message_of(rec, to_iso(rec.date)), "direction": d.direction}
        conv["messages"].append({"delivery": None, **entry})
    return tuple(found.items())


def example(subject_start: str) -> dict[str, Any]:
    """A copy of the example conversation whose subject starts so."""
    for _, conv in _examples():
        if conv["subject"].startswith(subject_start):
            return copy.deepcopy(conv)
    raise AssertionError(subject_start)


def double_charge() -> dict[str, Any]:
    """Maria's three messages: her mail, our answer, her follow-up."""
    return example("Double charge")


def queued(conv: dict[str, Any], body: str = "Refunded.", ident: str = REPLY_ID) -> dict[str, Any]:
    """A reply as `inbox reply` records it."""
    return outbound(conv, body, DANA, to_iso(AT - timedelta(minutes=5)), ident)


def compose(
    conv: dict[str, Any], reply: dict[str, Any] | None = None, **kw: Any
) -> tuple[EmailMessage, bytes]:
    """The mail of a reply and its bytes; the mailbox is the conversation's."""
    reply = reply if reply is not None else queued(conv)
    mailbox = kw.pop("mailbox", MAILBOXES[conv["mailbox"]])
    msg = outgoing(reply, conv, mailbox, AT, own=OWN, **kw)
    return msg, msg.as_bytes()


def parsed(raw: bytes) -> EmailMessage:
    """The mail as a client reads it: the standard library's modern parser."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def text_of(raw: bytes) -> str:
    """The text a client shows, its lines ended by newlines."""
    part = parsed(raw).get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def header_names(raw: bytes) -> list[str]:
    """The names of the top-level header fields, read off the bytes."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line[:1] not in " \t"]


def with_chain(length: int) -> dict[str, Any]:
    """A conversation of ``length`` messages, each answering the one before, the
    customer's and ours in turn, the last the customer's."""
    messages = [
        {
            "id": f"m{i}",
            "direction": "in" if (length - i) % 2 else "out",
            "message_id": f"m{i}@mail.example.com",
            "from": "maria@example.com" if (length - i) % 2 else BILLING,
            "created_at": f"2026-11-{1 + i // 24:02d}T{i % 24:02d}:00:00.000Z",
            "body": f"message {i}",
            **({"in_reply_to": [f"m{i - 1}@mail.example.com"]} if i else {}),
        }
        for i in range(length)
    ]
    conv = double_charge()
    conv["messages"] = messages
    return conv


# -- headers ----------------------------------------------------------------------------------


def test_a_reply_to_the_example_thread_has_the_headers_of_a_reply() -> None:
    msg, raw = compose(double_charge())
    got = parsed(raw)
    assert header_names(raw) == [
        *("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References"),
        *("Content-Type", "Content-Transfer-Encoding", "MIME-Version"),
    ]
    assert got["From"] == "Acme Billing <billing@acme.example.com>"
    assert got["To"] == "Maria Santos <maria@example.com>"
    assert got["Subject"] == "Re: Double charge on my November invoice"
    assert got["Date"] == "Wed, 25 Nov 2026 10:02:41 +0000"
    assert got["Message-ID"] == f"<{REPLY_ID}@acme.example.com>"
    assert got["In-Reply-To"] == "<CAF7x2d1-maria-002@mail.example.com>"
    assert got["References"].split() == [
        "<CAF7x2d1-maria-001@mail.example.com>",
        "<reply-01KQ3M2S7B0maria@acme.example.com>",
        "<CAF7x2d1-maria-002@mail.example.com>",
    ]
    assert got["MIME-Version"] == "1.0"
    assert got.get_content_type() == "text/plain"
    assert got.get_content_charset() == "utf-8"
    assert text_of(raw) == "Refunded.\n"
    assert msg.policy.linesep == "\r\n"
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_the_agent_is_neither_the_sender_nor_named() -> None:
    """Mail goes from the shared mailbox: the customer answers support@, not dana@."""
    _, raw = compose(double_charge())
    assert b"dana" not in raw.lower()
    assert b"whitfield" not in raw.lower()


def test_a_mailbox_without_a_name_sends_from_its_bare_address() -> None:
    _, raw = compose(double_charge(), mailbox={"address": BILLING})
    assert parsed(raw)["From"] == BILLING


def test_the_date_is_the_given_time_in_utc() -> None:
    conv = double_charge()
    later = datetime(2026, 11, 25, 11, 2, 41, tzinfo=timezone(timedelta(hours=1)))
    msg = outgoing(queued(conv), conv, MAILBOXES[BILLING], later)
    assert msg["Date"] == "Wed, 25 Nov 2026 10:02:41 +0000"
    with pytest.raises(ValueError, match="zone"):
        outgoing(queued(conv), conv, MAILBOXES[BILLING], datetime(2026, 11, 25, 10))


# -- Message-ID -------------------------------------------------------------------------------


def test_the_message_id_is_the_replys_id_at_the_mailboxs_domain() -> None:
    assert message_id_for(REPLY_ID, BILLING) == f"{REPLY_ID}@acme.example.com"
    assert message_id_for(REPLY_ID, "Billing@ACME.Example.com") == f"{REPLY_ID}@acme.example.com"
    assert message_id_for(OTHER_ID, BILLING) != message_id_for(REPLY_ID, BILLING)


def test_the_same_queued_reply_always_makes_the_same_message_id() -> None:
    conv = double_charge()
    first, _ = compose(conv, queued(conv))
    again, _ = compose(conv, queued(conv, body="Refunded, edited."))
    other, _ = compose(conv, queued(conv, ident=OTHER_ID))
    assert first["Message-ID"] == again["Message-ID"] == f"<{REPLY_ID}@acme.example.com>"
    assert other["Message-ID"] == f"<{OTHER_ID}@acme.example.com>"
    assert compose(conv)[1] == compose(conv)[1]  # pure: the same reply, the same bytes


@pytest.mark.parametrize(
    ("reply_id", "address"),
    [("", BILLING), ("a b", BILLING), ("x>\r\nBcc: e@x", BILLING), (REPLY_ID, "billing")],
)
def test_no_message_id_is_made_from_what_is_not_an_id(reply_id: str, address: str) -> None:
    with pytest.raises(ValueError):
        message_id_for(reply_id, address)


# -- threading --------------------------------------------------------------------------------


def test_references_are_the_thread_oldest_first_ending_with_the_parent() -> None:
    conv = double_charge()
    assert [m["message_id"] for m in conv["messages"]] == [
        "CAF7x2d1-maria-001@mail.example.com",
        "reply-01KQ3M2S7B0maria@acme.example.com",
        "CAF7x2d1-maria-002@mail.example.com",
    ]
    assert references(queued(conv), conv) == [m["message_id"] for m in conv["messages"]]


def test_references_past_the_cap_keep_the_first_and_the_newest() -> None:
    conv = with_chain(30)
    got = references(queued(conv), conv)
    assert len(got) == MAX_REFERENCES
    assert got[0] == "m0@mail.example.com"
    assert got[1:] == [f"m{i}@mail.example.com" for i in range(30 - MAX_REFERENCES + 1, 30)]
    msg, raw = compose(conv)
    assert msg["In-Reply-To"] == "<m29@mail.example.com>"
    lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert all(len(line) <= 78 for line in lines)
    assert parse_mail(raw).references == tuple(got)


def test_references_run_through_a_reply_that_has_no_message_id_of_its_own() -> None:
    """Our earlier reply is in the view without a Message-ID; the customer's answer
    names the one its mail had (message_id_for), and the chain goes on through it."""
    conv = double_charge()
    first = queued(conv, ident=OTHER_ID)
    ours = {**first, "created_at": "2026-11-25T09:00:00.000Z"}
    answer = {
        "id": "m9",
        "direction": "in",
        "message_id": "answer@mail.example.com",
        "from": "maria@example.com",
        "created_at": "2026-11-25T09:30:00.000Z",
        "in_reply_to": [message_id_for(OTHER_ID, BILLING)],
        "body": "Thanks!",
    }
    conv["messages"] += [ours, answer]
    got = references(queued(conv), conv)
    assert got[-3:] == [
        "CAF7x2d1-maria-002@mail.example.com",
        message_id_for(OTHER_ID, BILLING),
        "answer@mail.example.com",
    ]
    assert got[0] == "CAF7x2d1-maria-001@mail.example.com"


def test_references_take_a_messages_own_where_known_each_id_once_and_end_a_loop() -> None:
    conv = with_chain(3)
    conv["messages"][1]["references"] = ["root@x.example", "m0@mail.example.com"]
    assert references(queued(conv), conv) == [
        "root@x.example",
        "m0@mail.example.com",
        "m1@mail.example.com",
        "m2@mail.example.com",
    ]
    looped = with_chain(3)
    looped["messages"][0]["in_reply_to"] = ["m2@mail.example.com"]  # a client's mix-up
    assert references(queued(looped), looped) == [
        "m0@mail.example.com",
        "m1@mail.example.com",
        "m2@mail.example.com",
    ]


def test_ids_made_up_for_mail_without_one_are_never_sent() -> None:
    """A mail without a Message-ID got one at import (``@inbox.invalid``): no client
    knows it, so the reply names no parent, though it still quotes and copies it, and
    its References still name the real mail before it."""
    conv = with_chain(2)
    conv["messages"][1].update(message_id="0a1b2c@inbox.invalid", cc=["boss@example.com"])
    reply = queued(conv)
    assert reply["in_reply_to"] == ["0a1b2c@inbox.invalid"]
    msg, raw = compose(conv, reply, quote=True)
    assert "In-Reply-To" not in msg
    assert msg["References"] == "<m0@mail.example.com>"
    assert msg["Cc"] == "boss@example.com"
    assert "> message 1" in text_of(raw)


def test_a_message_id_too_long_for_a_line_stays_whole_under_any_policy() -> None:
    """The email package folds a long word of free text into encoded words, which would
    turn an Outlook Message-ID into ``=?utf-8?q?=3CDB9PR08...``: nothing would thread."""
    conv = with_chain(3)
    conv["messages"][2]["message_id"] = OUTLOOK_ID
    msg = outgoing(queued(conv), conv, MAILBOXES[BILLING], AT)
    out = io.BytesIO()
    BytesGenerator(out, policy=policy.SMTP).flatten(msg)  # as an SMTP client may write it
    for raw in (msg.as_bytes(), out.getvalue()):
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert b"=?" not in head
        assert f"In-Reply-To: <{OUTLOOK_ID}>".encode() in head
        rec = parse_mail(raw)
        assert rec.in_reply_to == (OUTLOOK_ID,)
        assert rec.references == ("m0@mail.example.com", "m1@mail.example.com", OUTLOOK_ID)


# -- recipients -------------------------------------------------------------------------------


def test_cc_keeps_the_customers_colleagues_but_none_of_our_addresses() -> None:
    conv = double_charge()
    conv["messages"][2]["cc"] = [
        *("Boss@Example.com", BILLING, SUPPORT, "ben@acme.example.com", "maria@example.com"),
        *("boss@example.com", "not an address", "finance@example.com"),
    ]
    msg, raw = compose(conv)
    assert parsed(raw)["Cc"] == "boss@example.com, finance@example.com"
    assert msg["To"] == "Maria Santos <maria@example.com>"
    assert "Bcc" not in msg
    assert "Reply-To" not in msg


def test_only_the_cc_of_the_message_answered_is_copied() -> None:
    conv = double_charge()
    conv["messages"][0]["cc"] = ["earlier@example.com"]
    msg, _ = compose(conv)
    assert "Cc" not in msg


# -- body -------------------------------------------------------------------------------------


def test_the_signature_follows_the_reply_and_the_history_follows_both() -> None:
    conv = double_charge()
    mailbox = {**MAILBOXES[BILLING], "signature": "Acme Billing\r\nbilling.acme.example.com\n"}
    _, raw = compose(conv, queued(conv, "Hi Maria,\n\nRefunded.\n\nDana"), mailbox=mailbox)
    assert text_of(raw) == (
        "Hi Maria,\n\nRefunded.\n\nDana\n\n-- \nAcme Billing\nbilling.acme.example.com\n"
    )
    _, raw = compose(conv, queued(conv, "Refunded."), mailbox=mailbox, quote=True)
    assert text_of(raw) == (
        "Refunded.\n"
        "\n"
        "-- \n"
        "Acme Billing\n"
        "billing.acme.example.com\n"
        "\n"
        "On Wed, 25 Nov 2026 08:03:41 +0000, Maria Santos wrote:\n"
        "> Any update? My bank shows both payments as settled now.\n"
        ">\n"
        "> > I can see two payments for INV-30412 and have asked\n"
        "> > finance to confirm the duplicate before we refund it.\n"
        ">\n"
        "> Maria\n"
    )


def test_a_signature_with_its_own_delimiter_gets_one() -> None:
    conv = double_charge()
    mailbox = {**MAILBOXES[BILLING], "signature": "--\nAcme Billing"}
    _, raw = compose(conv, mailbox=mailbox)
    assert text_of(raw) == "Refunded.\n\n-- \nAcme Billing\n"


def test_without_a_quote_or_signature_the_body_is_the_reply_as_written() -> None:
    conv = double_charge()
    body = "Hi Maria,\r\n\r\n  indented, and *marked*.\n\nDana"
    _, raw = compose(conv, queued(conv, body))
    assert text_of(raw) == body.replace("\r\n", "\n") + "\n"


def test_long_lines_and_any_script_go_7_bit_clean() -> None:
    conv = double_charge()
    body = " ".join(["Grüße aus Zürich."] * 120) + "\n日本語のテキスト\nok"
    _, raw = compose(conv, queued(conv, body))
    raw.decode("ascii")  # quoted-printable or base64: any server takes it
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert text_of(raw) == body + "\n"
    assert parse_mail(raw).body == body


# -- non-ASCII --------------------------------------------------------------------------------


def test_a_non_ascii_subject_and_names_come_back_as_written() -> None:
    conv = example("Kalender")
    assert conv["customer_name"] == "Jürg Keller"
    mailbox = {"address": SUPPORT, "name": "Équipe d'assistance, Acme (Zürich)"}
    _, raw = compose(conv, mailbox=mailbox)
    raw.decode("ascii")
    got = parsed(raw)
    assert got["Subject"] == "Re: Kalender synchronisiert nicht mehr – dringend"
    assert got["From"].addresses[0].display_name == "Équipe d'assistance, Acme (Zürich)"
    assert got["From"].addresses[0].addr_spec == SUPPORT
    assert got["To"].addresses[0].display_name == "Jürg Keller"
    rec = parse_mail(raw)
    assert rec.subject == "Re: Kalender synchronisiert nicht mehr – dringend"
    assert (rec.from_name, rec.from_email) == ("Équipe d'assistance, Acme (Zürich)", SUPPORT)


# -- attachments ------------------------------------------------------------------------------

FILES = (
    AttachedFile("../../Rechnungen/Grüße März 2026.pdf", "application/pdf", b"%PDF-1.7\n\x00\xff"),
    AttachedFile("C:\\Users\\dana\\notes.txt", "text/plain; charset=utf-8", "Grüße\n".encode()),
    AttachedFile("forward.eml", "message/rfc822", b"From: x@example.com\r\n\r\nhi\r\n"),
    AttachedFile("odd", "not a type", b"\x01\x02"),
)


def test_attachments_come_back_with_their_names_types_and_bytes() -> None:
    _, raw = compose(double_charge(), attachments=FILES)
    got = parsed(raw)
    assert got.get_content_type() == "multipart/mixed"
    assert text_of(raw) == "Refunded.\n"
    parts = list(got.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("Grüße März 2026.pdf", "application/pdf"),
        ("notes.txt", "text/plain"),
        ("forward.eml", "application/octet-stream"),
        ("odd", "application/octet-stream"),
    ]
    assert [p.get_payload(decode=True) for p in parts] == [f.data for f in FILES]
    assert parts[1].get_content_charset() == "utf-8"
    assert all("MIME-Version" not in p for p in parts)
    assert b"filename*=utf-8''Gr%C3%BC%C3%9Fe%20M%C3%A4rz%202026.pdf" in raw
    rec = parse_mail(raw)
    assert rec.body == "Refunded."
    assert [(a.filename, a.size) for a in rec.attachments] == [
        (safe_filename(f.filename), len(f.data)) for f in FILES
    ]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\dana\\Invoice.pdf", "Invoice.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\r\nContent-Type: text/html.txt", "html.txt"),
        ("report\x00\x1b[2J.pdf", "report[2J.pdf"),
        ("  .hidden. ", "hidden"),
        ("..", "attachment"),
        ("", "attachment"),
        ("dir/", "attachment"),
    ],
)
def test_a_file_name_is_only_a_name(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_a_long_file_name_is_cut_keeping_its_extension() -> None:
    cut = safe_filename("x" * 500 + ".pdf")
    assert len(cut) == MAX_FILENAME
    assert cut.endswith("x.pdf")


# -- header injection -------------------------------------------------------------------------


def test_a_line_break_in_a_subject_or_name_never_makes_a_header() -> None:
    conv = double_charge()
    conv["customer_name"] = "Maria\r\nBcc: evil@example.net"
    conv["messages"][2]["from_name"] = "Maria\nX-Evil: 1"
    conv["messages"][2]["cc"] = ["evil@example.net\r\nBcc: more@example.net"]
    reply = {**queued(conv), "subject": "Hi\r\nBcc: evil@example.net\r\n\r\nbody"}
    mailbox = {"address": BILLING, "name": "Acme\nReply-To: evil@example.net"}
    _, raw = compose(conv, reply, mailbox=mailbox, quote=True)
    plain, _ = compose(double_charge())
    assert header_names(raw) == header_names(plain.as_bytes())
    got = parsed(raw)
    assert got["Subject"] == "Hi Bcc: evil@example.net body"
    assert got["To"].addresses[0].display_name == "Maria Bcc: evil@example.net"
    assert got["To"].addresses[0].addr_spec == "maria@example.com"
    assert got["From"].addresses[0].addr_spec == BILLING
    assert "Bcc" not in got and "Reply-To" not in got and "X-Evil" not in got
    assert "On Wed, 25 Nov 2026 08:03:41 +0000, Maria X-Evil: 1 wrote:" in text_of(raw)


def test_an_address_with_a_line_break_is_refused_not_sent() -> None:
    conv = double_charge()
    reply = {**queued(conv), "to": ["maria@example.com\r\nBcc: evil@example.net"]}
    assert why_not_emailed(conv, reply) is not None
    with pytest.raises(ValueError, match="no mail can reach"):
        compose(conv, reply)


# -- what is not emailed ----------------------------------------------------------------------


def test_an_email_conversation_with_a_customer_is_emailable() -> None:
    conv = double_charge()
    assert why_not_emailed(conv) is None
    assert why_not_emailed(conv, queued(conv)) is None
    assert emailable(conv, queued(conv))


def test_a_chat_conversations_reply_is_not_emailed() -> None:
    chat = {"id": "c" * 32, "channel": "chat", "mailbox": None, "customer": "maria@example.com"}
    reply = outbound({**chat, "messages": []}, "Hello!", DANA, to_iso(AT), REPLY_ID)
    assert not emailable(chat)
    assert not emailable(chat, reply)
    assert "chat" in str(why_not_emailed(chat, reply))
    with pytest.raises(ValueError, match="chat"):
        outgoing(reply, chat, MAILBOXES[SUPPORT], AT)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"to": []}, "no one to send it to"),
        ({"to": ["maria@localhost"]}, "no mail can reach"),
        ({"to": ["0a1b@inbox.invalid"]}, "no mail can reach"),
        ({"from": DANA["email"]}, "not the mailbox"),
    ],
)
def test_a_reply_without_someone_mail_reaches_is_not_emailed(
    change: dict[str, Any], reason: str
) -> None:
    conv = double_charge()
    reply = {**queued(conv), **change}
    assert reason in str(why_not_emailed(conv, reply))
    with pytest.raises(ValueError, match=reason):
        compose(conv, reply)


def test_a_conversation_without_a_mailbox_or_customer_is_not_emailed() -> None:
    conv = double_charge()
    assert "no mailbox" in str(why_not_emailed({**conv, "mailbox": None}))
    assert "no one" in str(why_not_emailed({**conv, "customer": None}))


def test_the_mailbox_given_must_be_the_one_the_reply_goes_from() -> None:
    conv = double_charge()
    with pytest.raises(ValueError, match="not 'support@"):
        outgoing(queued(conv), conv, MAILBOXES[SUPPORT], AT)


@pytest.mark.parametrize(
    ("address", "usable"),
    [
        ("maria@example.com", True),
        ("j.keller+billing@alpenhof.example.ch", True),
        ("maria@localhost", False),
        ("maria@exämple.com", False),
        ("märia@example.com", False),
        ('"maria lopez"@example.com', False),
        ("maria@[192.0.2.1]", False),
        ("x@sub.inbox.invalid", False),
        ("maria@example.com\r\n", False),
        ("@example.com", False),
        ("", False),
    ],
)
def test_usable_addresses(address: str, usable: bool) -> None:
    assert usable_address(address) is usable


def test_machines_and_lists_are_never_answered() -> None:
    assert set(get_args(MailKind)) - NEVER_ANSWERED == {"message"}
    messages = [m for _, conv in _examples() for m in conv["messages"]]
    payout = next(m for m in messages if m["subject"] == "Payout report for week 47")
    assert payout["kind"] == "bulk"
    assert never_answer(payout)
    first = double_charge()["messages"][0]
    assert not never_answer(first)
    for kind in ("auto-reply", "bounce", "spam", "bulk"):
        assert never_answer({**first, "kind": kind})
    assert never_answer({**first, "direction": "out"})  # our own mail
    assert never_answer({**first, "from": ""})  # a sender without an address


# -- round trip -------------------------------------------------------------------------------


def test_the_mail_parses_back_to_the_reply_it_was_made_from() -> None:
    conv = double_charge()
    mailbox = {**MAILBOXES[BILLING], "signature": "Acme Billing"}
    reply = queued(conv, "Hi Maria,\n\nRefunded: both payments.\n\nDana")
    _, raw = compose(conv, reply, mailbox=mailbox, quote=True)
    rec = parse_mail(raw)
    assert rec.message_id == message_id_for(REPLY_ID, BILLING)
    assert rec.in_reply_to == tuple(reply["in_reply_to"])
    assert rec.references == tuple(references(reply, conv))
    assert rec.subject == reply["subject"]
    assert (rec.from_email, [a.email for a in rec.to]) == (BILLING, reply["to"])
    assert rec.date == AT
    assert rec.kind == "message"
    text = text_of(raw).rstrip("\n")
    assert text.startswith(reply["body"] + "\n\n-- \nAcme Billing\n\nOn ")
    assert rec.body == text.replace("-- \n", "--\n")  # the parser trims trailing spaces


def test_the_copy_that_comes_back_from_sent_threads_into_its_conversation() -> None:
    index = MemoryThreadIndex()
    conv = double_charge()
    for m in conv["messages"]:
        rec = parse_mail(_example_raw(m["message_id"]))
        index.record(conv["id"], rec, m["direction"], conv["customer"])
    _, raw = compose(conv)
    d = decide(parse_mail(raw), index, frozenset(MAILBOXES))
    assert (d.action, d.conversation_id, d.direction) == ("append", conv["id"], "out")
    assert d.customer_email == "maria@example.com"


def _example_raw(message_id: str) -> bytes:
    for raw in mbox_messages(EXAMPLE.read_bytes()):
        if f"<{message_id}>".encode() in raw.split(b"\n\n", 1)[0]:
            return raw
    raise AssertionError(message_id)


# -- a conversation an agent composed ---------------------------------------------------------


def composed() -> tuple[dict[str, Any], dict[str, Any]]:
    """A conversation `inbox compose` made (no mail in yet) and its first message."""
    conv = {
        "id": "c0" + "1" * 30,
        "subject": "Your order 1042",
        "channel": "email",
        "mailbox": SUPPORT,
        "customer": "maria@example.com",
        "customer_name": "Maria Santos",
        "messages": [],
    }
    to, cc = ["maria@example.com", "li@example.org"], ["boss@example.net", SUPPORT]
    first = outbound(conv, "It shipped today.", DANA, to_iso(AT), REPLY_ID, to, cc)
    return {**conv, "messages": [first]}, first


def test_a_composed_first_message_answers_nothing_and_goes_to_whom_it_was_given() -> None:
    conv, first = composed()
    assert why_not_emailed(conv, first) is None
    _, raw = compose(conv, first, mailbox={**MAILBOXES[SUPPORT], "signature": "Acme Support"})
    got = parsed(raw)
    assert got["Subject"] == "Your order 1042"
    assert got["From"] == "Acme Support <support@acme.example.com>"
    assert [a.addr_spec for a in got["To"].addresses] == ["maria@example.com", "li@example.org"]
    assert got["To"].addresses[0].display_name == "Maria Santos"
    assert [a.addr_spec for a in got["Cc"].addresses] == ["boss@example.net"]  # not our own
    assert got["Message-ID"] == f"<{REPLY_ID}@acme.example.com>"
    assert "In-Reply-To" not in got and "References" not in got
    assert text_of(raw) == "It shipped today.\n\n-- \nAcme Support\n"


def test_a_copy_no_mail_can_reach_keeps_the_message_from_being_emailed() -> None:
    conv, first = composed()
    bad = {**first, "cc": ["boss@localhost"]}
    assert "no mail can reach 'boss@localhost'" in str(why_not_emailed(conv, bad))


def test_the_customers_answer_to_a_composed_message_threads_into_its_conversation() -> None:
    """The look-up row `index._sent_here` writes for it is what the threading finds."""
    from crdt.mail.threads import SENT_HERE

    conv, first = composed()
    index = MemoryThreadIndex()
    sent = parse_mail(compose(conv, first)[1])
    index.record(conv["id"], sent._replace(content_key=SENT_HERE), "out", "maria@example.com")
    answer = (
        "From: Li <li@example.org>\r\nTo: support@acme.example.com\r\nSubject: Re: Your order"
        f" 1042\r\nMessage-ID: <li-1@example.org>\r\nIn-Reply-To: <{REPLY_ID}@acme.example.com>"
        "\r\nDate: Wed, 25 Nov 2026 11:00:00 +0000\r\n\r\nThanks!\r\n"
    ).encode()
    decision = decide(parse_mail(answer), index, frozenset(MAILBOXES))
    assert (decision.action, decision.conversation_id) == ("append", conv["id"])
