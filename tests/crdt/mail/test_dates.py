"""Dates a mail cannot have been written at give way to the time it was received."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crdt.mail.dates import envelope_at, sent_at
from crdt.mail.parse import parse_mail

RECEIVED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def mail(date: str, received: bool = True) -> bytes:
    stamp = (
        "Received: from mx.example.com by mx.acme.example.com; Fri, 20 Nov 2026 09:30:00 +0000\n"
    )
    return (
        (stamp if received else "")
        + "From: Maria <maria@example.com>\nTo: support@acme.example.com\n"
        + f"Subject: hello\nDate: {date}\nMessage-ID: <d@example.com>\n\nhi\n"
    ).encode()


@pytest.mark.parametrize(
    ("date", "why"),
    [
        ("Fri, 31 Dec 9999 23:59:00 +0000", "is 7973 years after the mail was received"),
        ("Fri, 31 Dec 9999 23:59:00 -1200", "cannot be read"),  # past the year 9999 in UTC
        ("Thu, 01 Jan 1970 00:00:00 +0000", "is before 1990"),
        ("Sat, 28 Nov 2026 09:30:00 +0000", "is 8 days after the mail was received"),
    ],
)
def test_an_implausible_date_is_replaced_by_the_received_stamp_and_noted(
    date: str, why: str
) -> None:
    rec = parse_mail(mail(date), NOW)
    assert rec.date == RECEIVED
    assert len(rec.warnings) == 1
    assert why in rec.warnings[0] and "the time it was received used" in rec.warnings[0]


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 20 Nov 2026 07:00:00 +0000",
        "Sat, 21 Nov 2026 18:00:00 +0000",
        "Tue, 2 Jan 1990 0:00 +0000",
    ],
)
def test_a_plausible_date_is_kept_even_a_day_ahead_or_years_behind(date: str) -> None:
    rec = parse_mail(mail(date), NOW)
    assert rec.date is not None and rec.date != RECEIVED
    assert rec.warnings == ()


def test_without_a_received_stamp_the_import_time_is_the_reference() -> None:
    ahead = parse_mail(mail("Fri, 31 Dec 9999 23:59:00 +0000", received=False), NOW)
    assert ahead.date is None  # the importer files it at its own time
    assert "after the mail was imported: the time of the import used" in ahead.warnings[0]
    fine = parse_mail(mail("Wed, 2 Dec 2026 10:00:00 +0000", received=False), NOW)
    assert (fine.date, fine.warnings) == (datetime(2026, 12, 2, 10, tzinfo=UTC), ())


def test_the_choice_depends_on_the_mail_alone_when_it_has_a_received_stamp() -> None:
    """Replicas importing the same mail on other days file it at the same time."""
    raw = mail("Fri, 31 Dec 9999 23:59:00 +0000")
    later = datetime(2031, 1, 1, tzinfo=UTC)
    assert parse_mail(raw, NOW).date == parse_mail(raw, later).date == parse_mail(raw).date


def test_no_date_at_all_is_no_warning() -> None:
    assert sent_at("", RECEIVED, NOW) == (RECEIVED, "")
    assert sent_at("  ", None, NOW) == (None, "")


def test_an_mbox_envelope_date_stands_in_for_a_missing_received_stamp() -> None:
    delivered = envelope_at(b"From maria@example.com Fri Nov 20 09:30:00 2026")
    assert delivered == RECEIVED
    rec = parse_mail(mail("Fri, 31 Dec 9999 23:59:00 +0000", received=False), NOW, delivered)
    assert rec.date == RECEIVED
    assert "after the mail was received: the time it was received used" in rec.warnings[0]


def test_a_time_of_receipt_that_cannot_be_is_no_reference() -> None:
    bogus = envelope_at(b"From - Thu Jan  1 00:00:00 1970")
    assert sent_at("Fri, 31 Dec 9999 23:59:00 +0000", bogus, NOW).at is None
    assert sent_at("", bogus, NOW) == (None, "")
    assert sent_at("", datetime(2099, 1, 1, tzinfo=UTC), NOW) == (None, "")
