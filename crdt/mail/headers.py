"""Values of single header fields: addresses, message ids, dates, encoded words.

Each has a fast path for the shape nearly all mail has and falls back to the
``email`` package for the rest, because these run a dozen times per message on
the import hot path.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime
from typing import NamedTuple

from crdt.mail.mime import Headers, decode_base64, decode_words
from crdt.model.printable import one_line

_MAILBOX = re.compile(
    r'\s*(?:(?:"((?:[^"\\]|\\.)*)"|([^"<>,;:\\()]*?))\s*<\s*([^<>\s,;"()]*)\s*>'
    r'|([^\s<>,;:"()]+@[^\s<>,;:"()]+))\s*(?:,|\Z)'
)
_QUOTED_PAIR = re.compile(r"\\(.)")
_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d\d)(?::(\d\d))?"
    r"\s+([+-]\d{4})(?:\s|$)"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_LOOSE_ID = re.compile(r"[^\s<>,;]+@[^\s<>,;]+")


class Address(NamedTuple):
    name: str
    email: str


def header_text(value: str) -> str:
    """A header as a person reads it: encoded words decoded, on one line."""
    return one_line(decode_words(value) if "=?" in value else value)


def message_ids(value: str) -> list[str]:
    """Ids without brackets, first occurrence kept; bare ids are accepted from sloppy clients."""
    found = _BRACKETED_ID.findall(value) or _LOOSE_ID.findall(value)
    seen: dict[str, None] = {}
    for raw in found:
        ident = "".join(raw.split())
        if ident:
            seen.setdefault(ident, None)
    return list(seen)


def parse_addresses(value: str) -> tuple[Address, ...]:
    """Address lists; plain ``Name <a@b>`` lists take a fast path, the rest the email package."""
    found: list[Address] = []
    pos, size = 0, len(value)
    while pos < size:
        if value[pos] in ", \t":
            pos += 1
            continue
        m = _MAILBOX.match(value, pos)
        if m is None:
            return _slow_addresses(value)
        quoted, plain, angle, bare = m.groups()
        email = (angle if angle is not None else bare).strip().lower()
        name = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else (plain or "")
        if is_address(email):
            found.append(Address(header_text(name), email))
        pos = m.end()
    return tuple(found)


def sender(value: str) -> tuple[str, str, str]:
    """The From of a mail: (display name, address, what stands where the address goes).

    A From with no address in it (``From: 😀``, ``From: undisclosed``, a group such as
    ``undisclosed-recipients:;``) names nobody to write back to: the address is empty
    and the text is kept as the name. The token (``MAILER-DAEMON`` without a domain) is
    still evidence of what sent the mail, and part of what the sender wrote."""
    found = parse_addresses(value)
    if found:
        return found[0].name, found[0].email, found[0].email
    pairs = getaddresses([value]) or [("", "")]
    name, token = pairs[0]
    shown = header_text(name) or header_text(value).strip(" :;<>")
    return shown, "", token.strip().lower()


def is_address(text: str) -> bool:
    """An address a reply can go to: a local part, an @ and a domain."""
    local, at, domain = text.rpartition("@")
    return bool(local and at and domain)


def _slow_addresses(value: str) -> tuple[Address, ...]:
    pairs = getaddresses([value])
    found = (Address(header_text(n), a.strip().lower()) for n, a in pairs)
    return tuple(a for a in found if is_address(a.email))


def address_lists(headers: Headers, name: str) -> tuple[Address, ...]:
    """All addresses of a field that may appear more than once (To, Cc)."""
    values = headers.get_all(name)
    if len(values) == 1:
        return parse_addresses(values[0])
    return tuple(a for v in values for a in parse_addresses(v))


def delivered_to(headers: Headers) -> tuple[str, ...]:
    """The mailboxes this copy was delivered to: differs between copies of one message."""
    values = headers.get_all("delivered-to") + headers.get_all("x-original-to")
    emails = {a.email: None for v in values for a in parse_addresses(v)}
    return tuple(emails)


def parse_date(value: str) -> datetime | None:
    """An aware UTC time from an RFC 5322 date; the common shape skips the email package."""
    if not value:
        return None
    if (m := _DATE.match(value)) and (month := _MONTHS.get(m[2].lower())):
        offset = int(m[7][1:3]) * 60 + int(m[7][3:])
        try:
            local = datetime(int(m[3]), month, int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0))
            utc = local - timedelta(minutes=offset if m[7][0] == "+" else -offset)
        except (ValueError, OverflowError):
            return None
        return utc.replace(tzinfo=UTC)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": the zone is unknown, the time is UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def received_at(headers: Headers) -> datetime | None:
    """When the topmost (newest) Received stamp says the mail reached us."""
    for value in headers.get_all("received"):
        _, sep, stamp = value.rpartition(";")
        if sep and (when := parse_date(stamp.strip())):
            return when
    return None


def thread_root(value: str) -> str | None:
    """The first 22 bytes of an Outlook Thread-Index name the conversation it began."""
    if not value:
        return None
    raw = decode_base64(value.encode("ascii", "ignore"))
    return base64.b64encode(raw[:22]).decode("ascii") if len(raw) >= 22 else None
