"""Business hours: "Mon-Fri 09:00-17:00 Europe/Berlin", and time measured in them.

A SPEC is groups of days, each with one or more ranges of the local clock, then an
optional IANA zone (UTC when none is given)::

    Mon-Fri 09:00-17:00 Europe/Berlin
    Mon-Fri 09:00-12:00,13:00-17:00 Sat 10:00-14:00 America/New_York
    Mon,Wed,Fri 08:30-16:30; Sun 22:00-02:00 UTC     (a range may pass midnight)

``;`` separates groups as a space does. Days are Mon..Sun (any case, the first three
letters); ``24:00`` ends a day. Holidays are local dates on which nothing is open.

The arithmetic SLAs need works on instants (aware datetimes): the open intervals of
each local day are turned into UTC instants through the zone, so a day of a clock
change is as long as it really is (a 09:00-17:00 day is 8 h either side of a DST
switch; a range that a switch cuts loses the hour that did not happen). Pure: no
clock is read; the caller gives every instant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crdt.errors import UsageError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3 * 366  # how far the arithmetic looks for open time before it gives up
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAYS_TOKEN = re.compile(r"^[a-z]{3}(-[a-z]{3})?(,[a-z]{3}(-[a-z]{3})?)*$")

Interval = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class Hours:
    """Open ranges per weekday (minutes from local midnight, end may pass 1440 for a
    range into the next day), in a zone, closed on ``holidays`` (local dates)."""

    ranges: tuple[tuple[tuple[int, int], ...], ...]  # 7 weekdays, Monday first
    zone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def with_holidays(self, days: Iterable[date]) -> Hours:
        return Hours(self.ranges, self.zone, self.holidays | frozenset(days))

    def intervals(self, day: date) -> list[Interval]:
        """The open intervals that start on local ``day``, as UTC instants."""
        if day in self.holidays:
            return []
        out = []
        for start, end in self.ranges[day.weekday()]:
            a, b = self._instant(day, start), self._instant(day, end)
            if b > a:
                out.append((a, b))
        return out

    def _instant(self, day: date, minutes: int) -> datetime:
        """The first instant the local clock shows ``minutes`` past ``day``'s midnight
        (in an hour a switch repeats, its first pass; in one it skips, the switch)."""
        naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
        tz = self.tz
        late = naive.replace(tzinfo=tz).astimezone(UTC)
        if late.astimezone(tz).replace(tzinfo=None) == naive:
            return late
        early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        while late - early > timedelta(seconds=1):  # the switch lies between the two
            mid = early + (late - early) // 2
            if mid.astimezone(tz).replace(tzinfo=None) >= naive:
                late = mid
            else:
                early = mid
        return late.replace(microsecond=0)  # switches fall on whole seconds

    def _from(self, at: datetime) -> Iterator[Interval]:
        """Open intervals that end after ``at``, in order and apart (the day before is
        looked at too: its range may run past midnight into the next day's)."""
        first = at.astimezone(self.tz).date() - timedelta(days=1)
        reached = at
        for n in range(MAX_DAYS):
            for a, b in self.intervals(first + timedelta(days=n)):
                if b > reached:
                    yield max(a, reached), b
                    reached = b

    def is_open(self, at: datetime) -> bool:
        return any(a <= at < b for a, b in self._until(at))

    def _until(self, at: datetime) -> list[Interval]:
        day = at.astimezone(self.tz).date()
        return self.intervals(day - timedelta(days=1)) + self.intervals(day)

    def next_open(self, at: datetime) -> datetime:
        """``at`` when open then, else when it next opens."""
        for a, _ in self._from(at):
            return a
        raise UsageError(f"no open hours within {MAX_DAYS} days of {at.isoformat()}")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end); 0 when end is not after start."""
        if end <= start:
            return 0.0
        total = 0.0
        for a, b in self._from(start):
            if a >= end:
                break
            total += (min(b, end) - a).total_seconds()
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of business time after ``start``."""
        left = seconds
        for a, b in self._from(start):
            span = (b - a).total_seconds()
            if left <= span:
                return a + timedelta(seconds=left)
            left -= span
        raise UsageError(f"no open hours within {MAX_DAYS} days of {start.isoformat()}")


ALWAYS = Hours(tuple(((0, 1440),) for _ in DAYS))


def parse(spec: str) -> Hours:
    """A SPEC into Hours, or a UsageError that says which word is wrong."""
    words = spec.replace(";", " ").split()
    if not words:
        raise UsageError("business hours are empty: e.g. 'Mon-Fri 09:00-17:00 Europe/Berlin'")
    zone = "UTC"
    if "/" in words[-1] or words[-1].upper() == "UTC":
        zone = _zone(words.pop())
    ranges: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    days: list[int] | None = None
    took = False
    for word in words:
        low = word.lower()
        if _DAYS_TOKEN.match(low):
            if days is not None and not took:
                raise UsageError(f"days {word!r} follow days with no hours in {spec!r}")
            days, took = _days(low, spec), False
            continue
        if days is None:
            raise UsageError(f"{word!r} in {spec!r}: give the days first (Mon-Fri ...)")
        for part in low.split(","):
            for d in days:
                ranges[d].append(_range(part, spec))
        took = True
    if days is None or not took:
        raise UsageError(f"no hours in {spec!r}: e.g. 'Mon-Fri 09:00-17:00'")
    return Hours(tuple(tuple(sorted(_merged(r))) for r in ranges), zone)


def parse_holidays(text: str) -> frozenset[date]:
    """A holidays file: one ISO date a line (YYYY-MM-DD), ``#`` starts a comment."""
    out = set()
    for n, line in enumerate(text.splitlines(), 1):
        word = line.split("#", 1)[0].strip()
        if not word:
            continue
        try:
            out.add(date.fromisoformat(word))
        except ValueError:
            raise UsageError(
                f"line {n} of the holidays is not a date (YYYY-MM-DD): {word!r}"
            ) from None
    return frozenset(out)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (an IANA name: Europe/Berlin)") from None
    return "UTC" if name.upper() == "UTC" else name


def _days(word: str, spec: str) -> list[int]:
    out: list[int] = []
    for part in word.split(","):
        first, _, last = part.partition("-")
        for name in (first, last or first):
            if name not in DAYS:
                raise UsageError(f"unknown day {name!r} in {spec!r}: use Mon Tue ... Sun")
        a, b = DAYS.index(first), DAYS.index(last or first)
        out += [d % 7 for d in range(a, b + 1 if b >= a else b + 8)]
    return sorted(set(out))


def _range(word: str, spec: str) -> tuple[int, int]:
    m = _RANGE.match(word)
    if not m:
        raise UsageError(f"{word!r} in {spec!r} is not a range of hours (09:00-17:00)")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise UsageError(f"{word!r} in {spec!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise UsageError(f"{word!r} in {spec!r} is empty")
    return (start, end) if end > start else (start, end + 1440)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping ranges of one day as one, so no second is counted twice."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
