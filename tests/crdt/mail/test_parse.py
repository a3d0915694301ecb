from __future__ import annotations

import base64
import email
import email.message
import hashlib
import re
import sysconfig
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crdt.mail.headers import message_ids, parse_addresses, parse_date, received_at
from crdt.mail.mime import Part, decode_text, decode_words, parse_part, split_head
from crdt.mail.parse import Address, MailRecord, parse_mail
from crdt.mail.subjects import normalize_subject
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"
STDLIB_DATA = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


def corpus(name: str) -> MailRecord:
    return parse_mail((CORPUS / name).read_bytes())


def mail(*headers: str, body: str = "Hello", charset: str = "utf-8") -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode(charset)


def stdlib_part(name: str, filename: str) -> bytes:
    """The decoded bytes of an attachment as the standard library's modern parser sees it."""
    message = email.message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    for part in message.walk():
        if part.get_filename() == filename:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"{filename} not in {name}")


# -- headers -------------------------------------------------------------------


def test_iso_8859_1_encoded_words_in_subject_and_sender_are_decoded() -> None:
    rec = corpus("045.eml")
    assert rec.subject == "Rechnung Januar: falsche USt-IdNr. und Änderung der Anschrift"
    assert (rec.from_name, rec.from_email) == ("Jürgen Weiß", "j.weiss@weiss-elektro.example.com")


def test_partly_encoded_and_utf8_reencoded_subjects_normalize_alike() -> None:
    subjects = {corpus(n).normalized_subject for n in ("045.eml", "048.eml", "049.eml")}
    assert subjects == {"rechnung januar: falsche ust-idnr. und änderung der anschrift"}


def test_subject_folded_over_encoded_words_at_different_points_decodes_alike() -> None:
    first, reply, again = (corpus(n) for n in ("050.eml", "051.eml", "058.eml"))
    assert first.subject.startswith("Problème de synchronisation des interventions planifiées")
    assert "=?" not in first.subject + reply.subject + again.subject
    assert first.normalized_subject == reply.normalized_subject == again.normalized_subject
    assert first.from_name == "Amélie Dubois-Lefèvre"


def test_japanese_base64_subject_name_and_body() -> None:
    rec = corpus("054.eml")
    assert rec.subject == "請求書の宛名変更のお願い"
    assert rec.from_name == "山本 花子"
    assert "株式会社さくら工業 経理部" in rec.body


def test_recipients_are_parsed_with_names() -> None:
    rec = corpus("052.eml")
    assert rec.to == (Address("Acme Support", "support@acme.example.com"),)
    assert [a.email for a in rec.cc] == [
        "priya.nair@lakeside-property.example.org",
        "sam.ortiz@lakeside-property.example.org",
    ]
    assert rec.participants == {
        "naomi.fischer@lakeside-property.example.org",
        "support@acme.example.com",
        "priya.nair@lakeside-property.example.org",
        "sam.ortiz@lakeside-property.example.org",
    }


def test_references_keep_their_order_without_brackets() -> None:
    rec = corpus("005.eml")
    assert rec.in_reply_to == ("reply-01KWCM0CA90XW1R75EMESH6XFZ@acme.example.com",)
    assert rec.references == (
        "685ead16-df69-401e-aaf7-b99ba082b6e6@brightlane.example.org",
        "reply-01KD8J6X7BVQ077M8AF4MY3J85@acme.example.com",
        "596ba600-773b-4cfa-8826-3ace80cb838a@brightlane.example.org",
        "reply-01KWCM0CA90XW1R75EMESH6XFZ@acme.example.com",
    )


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    rec = corpus("017.eml")
    assert not rec.has_message_id
    digest = hashlib.sha256(rec.content_key.encode()).hexdigest()[:32]
    assert rec.message_id == f"{digest}@inbox.invalid"
    assert corpus("017.eml").message_id == rec.message_id
    assert rec.in_reply_to == ("reply-01KMMQZRAHTCM4XSFR0QDSNACV@acme.example.com",)


def test_malformed_date_falls_back_to_the_newest_received_stamp() -> None:
    rec = corpus("020.eml")
    assert rec.date == datetime(2026, 2, 5, 15, 41, 7, tzinfo=UTC)
    raw = (CORPUS / "020.eml").read_bytes()
    assert received_at(split_head(raw)[0]) == rec.date


def test_dates_are_aware_utc() -> None:
    rec = corpus("054.eml")  # Date: Wed, 18 Feb 2026 10:10:01 +0900
    assert rec.date == datetime(2026, 2, 18, 1, 10, 1, tzinfo=UTC)
    assert rec.date.utcoffset() is not None


def test_missing_subject_and_date() -> None:
    rec = corpus("074.eml")
    assert (rec.subject, rec.normalized_subject) == ("", "")
    assert rec.date == datetime(2026, 2, 24, 17, 5, 50, tzinfo=UTC)
    assert rec.body.startswith("hi, we need 3 more vans")


def test_delivered_to_is_collected_from_both_envelope_headers() -> None:
    assert corpus("037.eml").delivered_to == ("support@acme.example.com",)
    assert corpus("038.eml").delivered_to == ("billing@acme.example.com",)


def test_outlook_thread_index_root_is_shared_by_the_conversation() -> None:
    first, reply = corpus("068.eml"), corpus("070.eml")
    assert first.thread_index == reply.thread_index == "AdylbUh23h11ZkMv8n+zOVhM+9Dxtw=="
    assert reply.thread_topic == "Technician timesheets not exporting to payroll"
    assert corpus("034.eml").thread_index != corpus("032.eml").thread_index


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Re: RE: AW: Invoice", "invoice"),
        ("Re[2]: Invoice", "invoice"),
        ("RE(3): Invoice", "invoice"),
        ("[ext] Fwd: Re:  Invoice   march", "invoice march"),
        ("Fw: WG: Antw: SV: VS: TR: Réf : Invoice", "invoice"),
        ("回复：发票", "发票"),
        ("答复: 转发: 发票", "发票"),
        ("転送: 請求書", "請求書"),
        ("(no subject)", ""),
        ("Re: (no subject)", ""),
        ("Regarding: invoice", "regarding: invoice"),
        ("Rechnung", "rechnung"),
        ("", ""),
    ],
)
def test_normalized_subject(subject: str, normalized: str) -> None:
    assert normalize_subject(subject) == normalized


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ann <ANN@Example.COM>", [("Ann", "ann@example.com")]),
        (
            '"Doe, Jane" <jane@x.example>, bob@y.example',
            [("Doe, Jane", "jane@x.example"), ("", "bob@y.example")],
        ),
        ('"Say \\"hi\\"" <q@x.example>', [('Say "hi"', "q@x.example")]),
        ("=?utf-8?q?J=C3=BCrgen?= <j@x.example>", [("Jürgen", "j@x.example")]),
        ("jane@x.example (Jane Doe)", [("Jane Doe", "jane@x.example")]),
        ("undisclosed-recipients:;", []),
        ("team: a@x.example, b@x.example;", [("", "a@x.example"), ("", "b@x.example")]),
        ("<>", []),
        ("", []),
    ],
)
def test_address_lists(value: str, expected: list[tuple[str, str]]) -> None:
    assert [tuple(a) for a in parse_addresses(value)] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@b.example> <c@d.example>", ["a@b.example", "c@d.example"]),
        ("<a@b.example>,<c@d.example>\r\n <a@b.example>", ["a@b.example", "c@d.example"]),
        ("<a@b.example> (Fred's message of Monday)", ["a@b.example"]),
        ("a@b.example c@d.example", ["a@b.example", "c@d.example"]),
        ("<a@b\r\n .example>", ["a@b.example"]),
        ("<>", []),
        ("junk", []),
    ],
)
def test_message_id_lists_tolerate_junk(value: str, expected: list[str]) -> None:
    assert message_ids(value) == expected


def test_encoded_words_split_inside_a_character_are_joined_first() -> None:
    # "é" is C3 A9 in UTF-8; one encoder put each byte in its own word.
    assert decode_words("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?= ok") == "café ok"


def test_iso_2022_jp_encoded_word() -> None:
    word = base64.b64encode("こんにちは".encode("iso2022_jp")).decode()
    assert decode_words(f"=?ISO-2022-JP?B?{word}?=") == "こんにちは"


def test_raw_utf8_in_headers_is_read_as_utf8() -> None:
    raw = "From: Zoë <zoe@x.example>\r\nSubject: Grüße\r\n\r\nhi".encode()
    rec = parse_mail(raw)
    assert (rec.subject, rec.from_name) == ("Grüße", "Zoë")


# -- bodies --------------------------------------------------------------------


def test_part_declaring_utf8_but_written_in_latin1_comes_out_right() -> None:
    rec = corpus("060.eml")
    assert "Queremos cancelar nuestra suscripción al final del periodo actual" in rec.body
    assert rec.body.rstrip().endswith("José Núñez\nNúñez Reformas S.L.")
    assert "\ufffd" not in rec.body


def test_latin1_quoted_printable_body() -> None:
    assert "Müllerstraße 12" in corpus("045.eml").body


def test_html_only_message_becomes_readable_text() -> None:
    body = corpus("026.eml").body
    assert body.startswith("Hello,\n\nRegarding the price change:")
    assert "<div" not in body and "&lt;" not in body
    assert "From: Acme Fieldbook <info@acme.example.com>" in body


def test_plain_text_is_preferred_over_html() -> None:
    body = corpus("002.eml").body
    assert "<" not in body.split("\n", 1)[0]
    assert body == corpus("002.eml").body.strip()


def test_format_flowed_paragraphs_are_rejoined() -> None:
    body = corpus("001.eml").body
    assert (
        "Since this morning none of our five technicians can see the jobs scheduled for "
        "tomorrow in the Fieldbook app. Today's jobs show fine." in body
    )


def test_unknown_charset_falls_back_without_losing_text() -> None:
    raw = mail("Content-Type: text/plain; charset=x-klingon", body="Grüße", charset="utf-8")
    assert parse_mail(raw).body == "Grüße"
    raw = mail("Content-Type: text/plain; charset=x-klingon", body="Grüße", charset="latin-1")
    assert parse_mail(raw).body == "Grüße"


def test_latin1_label_on_windows_1252_text_keeps_smart_quotes() -> None:
    assert decode_text("“quoted” – ok".encode("cp1252"), "iso-8859-1") == "“quoted” – ok"


def test_multibyte_charsets_are_trusted() -> None:
    text = "請求書の宛名"
    assert decode_text(text.encode("shift_jis"), "shift_jis") == text
    assert decode_text(text.encode("iso2022_jp"), "ISO-2022-JP") == text


def test_broken_base64_and_missing_boundary_end_do_not_lose_the_body() -> None:
    raw = mail(
        "Content-Type: multipart/mixed; boundary=b",
        body="--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "SGVsbG8gd29ybGQ\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF",
    )
    rec = parse_mail(raw)
    assert rec.body == "Hello world"
    assert [(a.filename, a.size) for a in rec.attachments] == [("a.pdf", 4)]


# -- attachments ---------------------------------------------------------------


def test_pdf_attachment_metadata_matches_the_decoded_part() -> None:
    (pdf,) = corpus("033.eml").attachments
    data = stdlib_part("033.eml", "INV-20388.pdf")
    assert (pdf.filename, pdf.content_type, pdf.inline) == (
        "INV-20388.pdf",
        "application/pdf",
        False,
    )
    assert (pdf.size, pdf.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_inline_screenshot_and_pdf_are_attachments_not_body() -> None:
    rec = corpus("042.eml")
    png, pdf = rec.attachments
    assert (png.filename, png.content_type, png.inline) == (
        "error-screenshot.png",
        "image/png",
        True,
    )
    assert png.content_id == "8F2E6C1A-3B7D-4E59-9A10-5521C0FFEE01@achterberg-glass.example.net"
    assert png.sha256 == hashlib.sha256(stdlib_part("042.eml", "error-screenshot.png")).hexdigest()
    assert (pdf.filename, pdf.inline) == ("quote-Q-1187.pdf", False)
    assert "iVBORw0KGgo" not in rec.body and rec.body.startswith("Hello,")


def test_rfc2231_file_name_wins_and_is_decoded() -> None:
    (pdf,) = corpus("048.eml").attachments
    assert pdf.filename == "Rechnung_INV-20352_korrigiert_Weiß.pdf"


def test_calendar_invite_and_csv_are_attachments() -> None:
    (invite,) = corpus("052.eml").attachments
    assert invite.content_type == "text/calendar"
    assert invite.size == len(stdlib_calendar("052.eml"))
    (csv,) = corpus("059.eml").attachments
    assert (csv.filename, csv.content_type) == ("lakeside-properties-region1.csv", "text/csv")


def stdlib_calendar(name: str) -> bytes:
    message = email.message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no calendar")


def test_attachment_file_names_lose_their_folders() -> None:
    raw = mail(
        "Content-Type: multipart/mixed; boundary=b",
        body="--b\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream; "
        'name="..\\\\..\\\\evil.exe"\r\n\r\nMZ\r\n--b--\r\n',
    )
    assert [a.filename for a in parse_mail(raw).attachments] == ["evil.exe"]


# -- identity ------------------------------------------------------------------


def test_same_message_delivered_to_two_mailboxes_has_one_content_key() -> None:
    first, second = corpus("037.eml"), corpus("038.eml")
    assert first.delivered_to != second.delivered_to
    stamps = [received_at(split_head((CORPUS / n).read_bytes())[0]) for n in ("037.eml", "038.eml")]
    assert stamps[0] != stamps[1]  # two deliveries
    assert first.content_key == second.content_key


def test_reused_message_id_with_different_content_has_different_keys() -> None:
    first, second = corpus("066.eml"), corpus("072.eml")
    assert first.message_id == second.message_id == "ps-mailer.0000001@abernathy-vet.example.net"
    assert first.content_key != second.content_key


def test_content_key_ignores_transport_line_endings() -> None:
    crlf = (CORPUS / "009.eml").read_bytes()
    assert parse_mail(crlf.replace(b"\r\n", b"\n")).content_key == parse_mail(crlf).content_key


# -- kinds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("024.eml", "auto-reply"),  # X-Autoreply
        ("031.eml", "auto-reply"),  # only the subject says so
        ("034.eml", "auto-reply"),  # Auto-Submitted
        ("044.eml", "bounce"),
        ("055.eml", "spam"),
        ("023.eml", "bulk"),
        ("001.eml", "message"),
        ("064.eml", "message"),  # mentions parental leave, is a person
        ("062.eml", "message"),
    ],
)
def test_kind(name: str, kind: str) -> None:
    assert corpus(name).kind == kind


def test_bounce_names_the_returned_message_status_and_reason() -> None:
    rec = corpus("044.eml")
    assert rec.bounced_message_id == "reply-01K1XTXQNX1HVJVJSJBCDQJNYB@acme.example.com"
    assert rec.bounce_status == "5.2.2"
    assert rec.bounce_reason == (  # its Diagnostic-Code, unfolded, without "smtp;"
        "552 5.2.2 <daniel@achterberg-glass.example.net>: Recipient address rejected: Mailbox full"
    )


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Out of Office: Re: export", "auto-reply"),
        ("Out of Office AutoReply: export", "auto-reply"),
        ("Out of office", "auto-reply"),
        ("[Auto-Reply] Re: export", "auto-reply"),
        ("Automatische Antwort: Rechnung", "auto-reply"),
        ("Réponse automatique : facture", "auto-reply"),
        ("Respuesta automática: factura", "auto-reply"),
        ("自动回复: 发票", "auto-reply"),
        ("Out of office replies are flooding our shared inbox", "message"),
        ("Automatic reply settings do not save", "message"),
        ("Auto: renew my plan", "message"),  # "Auto:" alone needs an automatic sender
    ],
)
def test_auto_reply_subjects(subject: str, kind: str) -> None:
    assert parse_mail(mail("From: a@x.example", f"Subject: {subject}")).kind == kind


def test_vacation_wording_from_a_person_is_not_an_auto_reply() -> None:
    raw = mail(
        "From: a@x.example",
        "Subject: Re: export",
        body="I am on vacation next week, could you fix the export before Friday?",
    )
    assert parse_mail(raw).kind == "message"


def test_a_message_calling_itself_an_automatic_reply_is_one() -> None:
    raw = mail("From: a@x.example", "Subject: Re: export", body="This is an automatic reply.")
    assert parse_mail(raw).kind == "auto-reply"
    complaint = "Your réponse automatique arrived but nobody answered my question."
    assert parse_mail(mail("From: a@x.example", body=complaint)).kind == "message"


def test_vacation_wording_from_a_null_sender_is_an_auto_reply() -> None:
    raw = mail(
        "Return-Path: <>",
        "From: a@x.example",
        "Subject: Re: export",
        body="I am currently out of the office until 3 March.",
    )
    rec = parse_mail(raw)
    assert (rec.kind, rec.kind_reason) == (
        "auto-reply",
        "vacation wording from an automatic sender",
    )


def test_auto_submitted_no_is_a_message() -> None:
    assert parse_mail(mail("From: a@x.example", "Auto-Submitted: no")).kind == "message"


def test_spam_needs_spf_dkim_and_dmarc_all_failing() -> None:
    failing = "Authentication-Results: mx; spf=fail smtp.mailfrom=x; dkim=none; dmarc=fail"
    assert parse_mail(mail("From: a@x.example", failing)).kind == "spam"
    dkim_ok = "Authentication-Results: mx; spf=fail smtp.mailfrom=x; dkim=pass; dmarc=fail"
    assert parse_mail(mail("From: a@x.example", dkim_ok)).kind == "message"
    assert parse_mail(mail("From: a@x.example", "X-Spam-Flag: YES")).kind == "spam"


def test_spam_verdicts_may_be_spread_over_fields_in_any_case() -> None:
    spf = "Received-SPF: SoftFail (mx: domain of x does not designate)"
    split = ("Authentication-Results: mx; DKIM=none", "Authentication-Results: mx; DMARC=FAIL")
    assert parse_mail(mail("From: a@x.example", spf, *split)).kind == "spam"
    passing = "Authentication-Results: mx; dkim=none; dmarc=pass"
    assert parse_mail(mail("From: a@x.example", spf, passing)).kind == "message"


# -- robustness ----------------------------------------------------------------


def _assert_well_formed(rec: MailRecord) -> None:
    for text in (rec.message_id, rec.subject, rec.normalized_subject, rec.from_name, rec.body):
        assert isinstance(text, str)
    assert rec.message_id and rec.content_key
    assert all(isinstance(a.email, str) and isinstance(a.name, str) for a in rec.to + rec.cc)
    assert all(isinstance(a.filename, str) and a.size >= 0 for a in rec.attachments)
    assert rec.date is None or rec.date.utcoffset() is not None


@pytest.mark.parametrize("path", sorted(STDLIB_DATA.iterdir()), ids=lambda p: p.name)
def test_every_file_of_the_standard_library_email_tests_parses(path: Path) -> None:
    rec = parse_mail(path.read_bytes())
    _assert_well_formed(rec)
    assert rec.raw_size == path.stat().st_size


_OPAQUE = ("message/delivery-status", "message/external-body")


def our_leaves(part: Part) -> list[tuple[str, int]]:
    if part.ctype.startswith("multipart/") or (part.ctype == "message/rfc822" and part.children):
        return [leaf for kid in part.children for leaf in our_leaves(kid)]
    return [(part.ctype, -1 if part.ctype in _OPAQUE else len(part.decoded()))]


def stdlib_leaves(part: email.message.Message) -> list[tuple[str, int]]:
    ctype = part.get_content_type()
    if ctype in _OPAQUE:  # the standard parser splits these into header blocks
        return [(ctype, -1)]
    if part.is_multipart():
        kids = [kid for kid in part.get_payload() if isinstance(kid, email.message.Message)]
        return [leaf for kid in kids for leaf in stdlib_leaves(kid)]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    # A multipart without a usable boundary is text to both, whatever its label.
    return [("text/plain" if ctype.startswith("multipart/") else ctype, len(payload))]


def _non_empty(leaves: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(ctype, size) for ctype, size in leaves if size > 1 or ctype != "text/plain"]


@pytest.mark.parametrize(
    "path",
    sorted(STDLIB_DATA.glob("msg_*.txt")) + sorted(CORPUS.glob("*.eml")),
    ids=lambda p: p.name,
)
def test_mime_structure_agrees_with_the_standard_library_parser(path: Path) -> None:
    raw = path.read_bytes()
    reference = stdlib_leaves(email.message_from_bytes(raw, policy=policy.compat32))
    assert _non_empty(our_leaves(parse_part(raw))) == _non_empty(reference)


def stdlib_data(name: str) -> MailRecord:
    return parse_mail((STDLIB_DATA / name).read_bytes())


def test_stdlib_gif_attachment_matches_its_decoded_bytes() -> None:
    message = email.message_from_bytes((STDLIB_DATA / "msg_07.txt").read_bytes())
    gif = next(p for p in message.walk() if p.get_content_type() == "image/gif")
    data = gif.get_payload(decode=True)
    assert isinstance(data, bytes)
    (attachment,) = stdlib_data("msg_07.txt").attachments
    assert (attachment.filename, attachment.size) == ("dingusfish.gif", len(data))
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_stdlib_transfer_encodings_are_decoded() -> None:
    body = stdlib_data("msg_10.txt").body
    assert "This is a Base64 encoded message." in body
    assert "VGhpcyBpcyBhIEJhc2U2NCBlbmNvZGVkIG1lc3NhZ2Uu" not in body


def test_stdlib_dsn_bounce() -> None:
    rec = stdlib_data("msg_16.txt")
    assert rec.kind == "bounce"
    assert rec.bounced_message_id == "002001c144a6$8752e060$56104586@oxy.edu"


def test_stdlib_bounce_with_broken_boundary_and_mbox_line() -> None:
    for name in ("msg_25.txt", "msg_43.txt"):
        assert stdlib_data(name).kind == "bounce"
    assert stdlib_data("msg_25.txt").subject.startswith("Returned mail: Too many hops")


def test_stdlib_signed_message_keeps_its_text_and_drops_the_signature() -> None:
    rec = stdlib_data("msg_45.txt")
    assert rec.body == "This is the signed contents."
    assert rec.attachments == ()


def test_stdlib_odd_structures() -> None:
    assert stdlib_data("msg_14.txt").body.startswith("Hi,\n\nI'm sorry")  # "text", no subtype
    assert stdlib_data("msg_32.txt").body == "Some message."  # RFC 2231 charset parameter
    assert [a.content_type for a in stdlib_data("msg_37.txt").attachments] == [
        "text/x-one",
        "text/x-two",
        "text/x-two",
    ]  # empty parts between doubled delimiters are no parts
    nested = stdlib_data("msg_38.txt").body  # boundary strings inside the text
    assert "puts them at the start of a line!" in nested


def test_stdlib_digest_parts_are_enclosed_messages() -> None:
    rec = stdlib_data("msg_02.txt")
    assert rec.subject == "Ppp digest, Vol 1 #2 - 5 msgs"
    assert {a.content_type for a in rec.attachments} == {"message/rfc822"}


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse(raw: bytes) -> None:
    _assert_well_formed(parse_mail(raw))


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(p.name for p in CORPUS.glob("*.eml"))),
    st.floats(0, 1),
    st.binary(max_size=40),
)
def test_corpus_messages_with_garbage_spliced_in_parse(name: str, at: float, junk: bytes) -> None:
    raw = (CORPUS / name).read_bytes()
    cut = int(len(raw) * at)
    _assert_well_formed(parse_mail(raw[:cut] + junk + raw[cut + len(junk) :]))


_FUZZED_HEADERS = (
    "From",
    "To",
    "Cc",
    "Date",
    "Subject",
    "Message-ID",
    "References",
    "Content-Type",
    "Content-Disposition",
    "Content-Transfer-Encoding",
    "Thread-Index",
    "Received",
    "Authentication-Results",
)


@settings(max_examples=300)
@given(st.sampled_from(_FUZZED_HEADERS), st.text(max_size=200))
def test_any_header_value_parses(name: str, value: str) -> None:
    raw = (
        f"{name}: {value}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        f"--b\r\n{name}: {value}\r\n\r\nx =?utf-8?q?{value}?=\r\n--b--\r\n"
    ).encode("utf-8", "surrogatepass")
    _assert_well_formed(parse_mail(raw))


@pytest.mark.parametrize(
    "value",
    ["Mon, 1 Jan 0001 00:00:00 +0100", "Fri, 31 Dec 9999 23:59:00 -0100", "2026-02-05 15:41:07"],
)
def test_dates_that_cannot_be_placed_are_none(value: str) -> None:
    assert parse_date(value) is None


def test_round_trip_through_the_standard_library_writer() -> None:
    message = EmailMessage()
    message["From"] = "Zoë Ä <zoe@x.example>"
    message["To"] = "support@acme.example.com"
    message["Subject"] = "Grüße aus Köln – a long subject " * 3
    message.set_content("Hallo\nzweite Zeile äöü")
    message.add_attachment(
        b"\x00\x01data",
        maintype="application",
        subtype="octet-stream",
        filename="Überweisung März.bin",
    )
    rec = parse_mail(message.as_bytes())
    assert rec.subject == str(message["Subject"]).strip()
    assert (rec.from_name, rec.from_email) == ("Zoë Ä", "zoe@x.example")
    assert rec.body == "Hallo\nzweite Zeile äöü"
    assert [(a.filename, a.size) for a in rec.attachments] == [("Überweisung März.bin", 6)]


# -- edge cases: deep parts, senders without an address ------------------------------


def nested(levels: int, leaf: str = "the text at the bottom", kind: str = "mixed") -> bytes:
    """A text part under ``levels`` multiparts, each with a part of its own beside it."""
    heads = [
        f'Content-Type: multipart/{kind}; boundary="b{n}"\n\n--b{n}\n'
        for n in reversed(range(levels))
    ]
    tails = [
        f"--b{n}\nContent-Type: application/octet-stream\n\nx{n}\n--b{n}--\n" for n in range(levels)
    ]
    body = "".join(heads) + f"Content-Type: text/plain; charset=utf-8\n\n{leaf}\n" + "".join(tails)
    return (
        "From: maria@example.com\nSubject: deep\nMessage-ID: <deep@example.com>\n" + body
    ).encode()


@pytest.mark.parametrize("levels", [25, 60, 99])
def test_a_text_part_nested_deep_is_found(levels: int) -> None:
    rec = parse_mail(nested(levels))
    assert rec.body == "the text at the bottom"
    assert len(rec.attachments) == levels
    assert rec.warnings == ()


def test_a_deeper_text_part_is_reported_not_silently_emptied() -> None:
    rec = parse_mail(nested(150))
    assert rec.body == ""
    assert rec.warnings == ("MIME parts nested deeper than 100 levels not read",)
    assert rec.message_id == "deep@example.com"  # still a mail, imported with the warning


def test_ten_thousand_levels_parse_without_recursion() -> None:
    root = parse_part(nested(10_000, kind="alternative"))
    assert root.cut.startswith("MIME parts nested deeper than")


def test_a_message_of_too_many_parts_is_cut_and_says_so() -> None:
    parts = "".join(f"--b\nContent-Type: text/csv\n\n{i}\n" for i in range(3000))
    raw = (
        'From: maria@example.com\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nthe text\n" + parts + "--b--\n"
    ).encode()
    rec = parse_mail(raw)
    assert rec.body == "the text"
    assert len(rec.attachments) == 998  # 1000 parts: the root, the text and these
    assert rec.warnings == ("more than 1000 MIME parts: the rest not read",)


@pytest.mark.parametrize(
    ("value", "name", "kind"),
    [
        ("😀", "😀", "message"),
        ("=?utf-8?b?8J+YgA==?=", "😀", "message"),
        ("undisclosed", "undisclosed", "message"),
        ("undisclosed-recipients:;", "undisclosed-recipients", "message"),
        ('"Maria" <>', "Maria", "message"),
        ("Maria <maria>", "Maria", "message"),
        ("MAILER-DAEMON (Mail Delivery System)", "Mail Delivery System", "bounce"),
    ],
)
def test_a_from_without_an_address_names_no_sender_address(
    value: str, name: str, kind: str
) -> None:
    subject = "Undelivered Mail Returned to Sender" if kind == "bounce" else "hello"
    rec = parse_mail(mail(f"From: {value}", f"Subject: {subject}", "To: support@acme.example.com"))
    assert (rec.from_name, rec.from_email) == (name, "")
    assert rec.participants == {"support@acme.example.com"}
    assert rec.kind == kind


def test_recipients_without_an_address_are_not_participants() -> None:
    rec = parse_mail(mail("From: a@example.com", "To: undisclosed, Bob <bob>, b@example.com"))
    assert [a.email for a in rec.to] == ["b@example.com"]


@pytest.mark.parametrize("path", sorted(STDLIB_DATA.glob("msg_*.txt")), ids=lambda p: p.name)
def test_a_mail_is_one_message_whatever_its_line_ends(path: Path) -> None:
    """LF in a file, CRLF from an IMAP server: the same mail, the same files, the same key
    (a mail without a Message-ID is known by its key alone)."""
    raw = path.read_bytes()
    crlf = re.sub(rb"\r?\n", b"\r\n", raw)
    on_disk, from_server = parse_mail(raw), parse_mail(crlf)
    assert on_disk.content_key == from_server.content_key
    assert on_disk.message_id == from_server.message_id
    assert on_disk.attachments == from_server.attachments
