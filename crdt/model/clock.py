"""Wall-clock times as fixed-width ISO-8601 UTC strings, so they sort as text."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
        f"{m.microsecond // 1000:03d}Z"
    )


def now_iso() -> str:
    """Now, or INBOX_NOW when set: scripted demos and tests replay a fixed day."""
    fixed = os.environ.get("INBOX_NOW")
    if fixed:
        return to_iso(parse_iso(fixed))
    return to_iso(datetime.now(UTC))


def now() -> datetime:
    return parse_iso(now_iso())


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def ago(iso: str, now: datetime) -> str:
    """A relative time for people: 'now', '5m ago', 'in 3h', or the date past a month.

    Here rather than in the printer so that messages made in the library ("claimed by
    ben 2m ago") read the same as tables do.
    """
    moment = parse_iso(iso)
    seconds = int((now - moment).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds >= 30 * 86400:
        return moment.strftime("%Y-%m-%d")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            amount = f"{seconds // size}{unit}"
            return f"in {amount}" if future else f"{amount} ago"
    return "now"


def due(iso: str | None, now: datetime) -> str:
    """An SLA due time for people: "due in 12m", "overdue 1h" (as ``ago`` counts), or ""
    when nothing is due. Here, beside ``ago``, so a listing says it without loading the
    SLA clocks."""
    if not iso:
        return ""
    told = ago(iso, now)
    if told.startswith("in "):
        return "due " + told
    if told.endswith(" ago"):
        return "overdue " + told[: -len(" ago")]
    return "due now" if told == "now" else f"due {told}"
