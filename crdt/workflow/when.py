"""Times people type: "2h", "3d", "tomorrow 9:00", "2pm", "monday", "2026-12-01T09:00";
and spans of time: "15m", "4h", "2d", "1h30m" (and "30s": SLA targets a test or a demo
can watch pass).

Pure: the caller gives "now" (local, aware), so tests need no clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from crdt.errors import UsageError

_SPAN = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$")
_AT = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DEFAULT_HOUR = 9
_PART = re.compile(r"(\d+)(seconds?|secs?|s|minutes?|mins?|m|hours?|h|days?|d|weeks?|w)")
MAX_DURATION = 366 * 86400


def parse(text: str, now: datetime) -> datetime:
    """An aware datetime in the future; a clear UsageError otherwise."""
    raw = text.strip().lower()
    words = raw.split(maxsplit=1)
    span = _SPAN.match(raw)
    bare_clock = _AT.match(raw)
    if span:
        moment = _after(now, int(span.group(1)), span.group(2)[0])
    elif words and (words[0] in ("today", "tomorrow") or words[0] in _DAYS):
        moment = _day_at(words[0], words[1] if len(words) > 1 else None, now, text)
    elif bare_clock and (bare_clock.group(2) or bare_clock.group(3)):
        moment = _next_clock(raw, now, text)
    else:
        moment = _iso(text, now)
    if moment <= now:
        raise UsageError(f"{text!r} is in the past")
    return moment


def _after(now: datetime, count: int, unit: str) -> datetime:
    """Minutes and hours are elapsed time (across a clock change); days and weeks keep
    the time of day."""
    if unit in ("m", "h"):
        return (now.astimezone(UTC) + timedelta(seconds=count * _UNIT_SECONDS[unit])).astimezone(
            now.tzinfo
        )
    return now + timedelta(seconds=count * _UNIT_SECONDS[unit])


def _next_clock(at: str, now: datetime, original: str) -> datetime:
    """A bare time of day: today if still ahead, else tomorrow."""
    clock = _clock(at, original)
    moment = datetime.combine(now.date(), clock, tzinfo=now.tzinfo)
    if moment <= now:
        moment = datetime.combine(now.date() + timedelta(days=1), clock, tzinfo=now.tzinfo)
    return moment


def _iso(text: str, now: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"cannot read time {text!r}: use e.g. 2h, 3d, tomorrow 9:00, 2pm, monday, "
            "2026-12-01T09:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return moment


def _day_at(day: str, at: str | None, now: datetime, original: str) -> datetime:
    clock = _clock(at, original) if at else time(DEFAULT_HOUR)
    if day == "today":
        delta = 0
    elif day == "tomorrow":
        delta = 1
    else:
        delta = (_DAYS.index(day) - now.weekday()) % 7 or 7
    date = (now + timedelta(days=delta)).date()
    return datetime.combine(date, clock, tzinfo=now.tzinfo)


def _clock(text: str, original: str) -> time:
    m = _AT.match(text.strip())
    if not m:
        raise UsageError(f"cannot read time of day in {original!r}: use e.g. 9:00 or 2pm")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    if m.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise UsageError(f"no such time of day in {original!r}")
    return time(hour, minute)


def duration(text: str) -> int:
    """Seconds in a span such as "15m", "4h", "2d", "1w", "1h30m" or "30s"; a UsageError that
    shows the spelling otherwise (zero, and over a year, are refused)."""
    compact = re.sub(r"\s+", "", text.lower())
    parts = list(_PART.finditer(compact))
    if not parts or "".join(p.group(0) for p in parts) != compact:
        raise UsageError(f"cannot read duration {text!r}: use e.g. 15m, 4h, 2d, 1w or 1h30m")
    seconds = sum(int(p.group(1)) * _UNIT_SECONDS[p.group(2)[0]] for p in parts)
    if not 0 < seconds <= MAX_DURATION:
        raise UsageError(f"duration {text!r} must be more than 0 and at most a year")
    return seconds
