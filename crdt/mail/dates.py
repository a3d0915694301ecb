"""When a mail was written, as far as its Date can be believed.

The Date header is the sender's to write: ``31 Dec 9999`` pins a conversation to the
top of every list for good, ``1 Jan 1970`` buries it. A Date the mail cannot have been
written at gives way to the time it was received: the newest ``Received`` stamp,
which the receiving server wrote, else the date of its mbox ``From `` line (written
when it was delivered), else the time it is imported (``now``). The replacement is
noted, so nobody wonders where the sender's time went.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from crdt.mail.headers import parse_date

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # no mail in an inbox today is older
AHEAD = timedelta(days=3)  # a sender's clock may be off by hours; not by days


class Dated(NamedTuple):
    at: datetime | None  # aware UTC; None: nothing to go by (the importer uses its time)
    note: str  # why the Date was not used, "" when it was (or there was none)


def sent_at(date_header: str, received: datetime | None, now: datetime | None) -> Dated:
    """The time to file a mail under: its Date when that is plausible, else the time it
    was received. ``received``: the newest Received stamp, else the mbox envelope's date
    (itself ignored when implausible); ``now``: the import's time, the reference when
    there is none (None: judge only what needs no reference)."""
    if received is not None and _implausible(received, now):
        received = None
    shown = " ".join(date_header.split())
    written = parse_date(date_header)
    if written is None:
        if not shown:
            return Dated(received, "")
        return Dated(received, f"Date {shown!r} cannot be read: {_instead(received)} used")
    if written < EARLIEST:
        return Dated(received, f"Date {shown!r} is before 1990: {_instead(received)} used")
    reference = received or now
    if reference is not None and written > reference + AHEAD:
        days = (written - reference).days
        return Dated(
            received,
            f"Date {shown!r} is {_span(days)} after the mail was "
            f"{'received' if received else 'imported'}: {_instead(received)} used",
        )
    return Dated(written, "")


def envelope_at(line: bytes) -> datetime | None:
    """The date of an mbox "From " line (``From maria@example.com Mon Nov 24 09:12:03
    2026``, the delivering host's local time, taken as UTC: hours off at most)."""
    _, _, stamp = line.decode("latin-1").partition(" ")
    _, _, stamp = stamp.strip().partition(" ")  # past the sender
    return parse_date(stamp.strip()) if stamp else None


def _implausible(moment: datetime, now: datetime | None) -> bool:
    return moment < EARLIEST or (now is not None and moment > now + AHEAD)


def _instead(received: datetime | None) -> str:
    return "the time it was received" if received else "the time of the import"


def _span(days: int) -> str:
    return f"{int(days / 365.2425)} years" if days >= 730 else f"{days} days"
