"""Business hours: "Mon-Fri 09:00-17:00 Europe/Berlin", and time measured in them.

SPEC: one or more rules, then the zone (an IANA name, or UTC). A rule is days (``Mon``,
``Mon-Fri``, a range may wrap: ``Fri-Mon``; several: ``Sat,Sun``) and one or more
``HH:MM-HH:MM`` spans (``24:00`` ends at midnight; an end before its start runs past
midnight into the next day); commas and semicolons separate as spaces do::

    Mon-Fri 09:00-17:00 Europe/Berlin
    Mon-Thu 09:00-12:00 13:00-17:00, Fri 09:00-15:00 America/New_York
    Sat,Sun 10:00-14:00; Sun 22:00-02:00 UTC

Holidays are local dates on which nothing is open. The hours are wall-clock times in
their zone, so "09:00" is nine in the morning there in winter and in summer. The open
ranges of each local day become UTC instants through the zone, so a day of a clock
change is as long as it really is (a 09:00-17:00 day is 8 h either side of a switch; an
opening in a spring-forward gap opens when the gap ends; an hour the autumn repeats is
open both times). The chat's away message asks ``is_open``; SLAs count
``seconds_between`` and ``add``. Pure: no clock is read; the caller gives every instant,
aware.
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
CACHED_DAYS = 4 * 366  # days whose intervals an Hours keeps
_DAY = re.compile(r"([a-z]{3})[a-z]*(?:-([a-z]{3})[a-z]*)?")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
_EXAMPLE = "e.g. 'Mon-Fri 09:00-17:00 Europe/Berlin'"

Interval = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class Hours:
    """Open ranges per weekday (minutes from local midnight, end may pass 1440 for a
    range into the next day), in a zone, closed on ``holidays`` (local dates)."""

    ranges: tuple[tuple[tuple[int, int], ...], ...]  # 7 weekdays, Monday first
    zone: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)
    spec: str = ""  # as given, its spaces tidied: what settings store and print
    # each local day's intervals once worked out: the index times thousands of
    # conversations against one policy, over the same few weeks of days
    _days: dict[date, list[Interval]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def with_holidays(self, days: Iterable[date]) -> Hours:
        return Hours(self.ranges, self.zone, self.holidays | frozenset(days), self.spec)

    def intervals(self, day: date) -> list[Interval]:
        """The open intervals that start on local ``day``, as UTC instants."""
        known = self._days.get(day)
        if known is not None:
            return known
        out = []
        if day not in self.holidays:
            for start, end in self.ranges[day.weekday()]:
                a, b = self._instant(day, start), self._instant(day, end)
                if b > a:
                    out.append((a, b))
        if len(self._days) >= CACHED_DAYS:
            self._days.clear()
        self._days[day] = out
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
        reached = _aware(at)
        for n in range(MAX_DAYS):
            for a, b in self.intervals(first + timedelta(days=n)):
                if b > reached:
                    yield max(a, reached), b
                    reached = b

    def is_open(self, at: datetime) -> bool:
        return any(a <= at < b for a, b in self._until(_aware(at)))

    def _until(self, at: datetime) -> list[Interval]:
        day = at.astimezone(self.tz).date()
        return self.intervals(day - timedelta(days=1)) + self.intervals(day)

    def next_open(self, at: datetime) -> datetime:
        """``at`` when open then, else when it next opens."""
        for a, _ in self._from(at):
            return a.astimezone(self.tz)
        raise UsageError(f"no open hours within {MAX_DAYS} days of {at.isoformat()}")

    def next_close(self, at: datetime) -> datetime | None:
        """``at`` when closed then, else the end of the open stretch it is in (ranges
        that meet at midnight are one stretch); None when that stretch never ends."""
        end: datetime | None = None
        for a, b in self._from(at):
            if end is None:
                if a > _aware(at):
                    return at.astimezone(self.tz)
                end = b
            elif a > end:
                break
            else:
                end = b
        else:
            return None if end is not None else at.astimezone(self.tz)
        return end.astimezone(self.tz)

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
    """The hours a SPEC gives; a ``UsageError`` that says what is wrong otherwise."""
    words = [w for w in re.split(r"[\s,;]+", spec.strip()) if w]
    if len(words) < 3:
        raise UsageError(f"business hours {spec!r}: give days, times and a zone ({_EXAMPLE})")
    zone = _zone(words[-1])
    ranges: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    days: list[int] = []
    spans_of_rule = 0
    for word in words[:-1]:
        span = _SPAN.fullmatch(word)
        if span:
            if not days:
                raise UsageError(f"business hours {spec!r}: {word} comes before any day")
            for weekday in days:
                ranges[weekday].append(_range(span, word))
            spans_of_rule += 1
            continue
        if spans_of_rule:  # a day after spans: a new rule
            days, spans_of_rule = [], 0
        days += _days(word, spec)
    if not spans_of_rule:
        raise UsageError(f"business hours {spec!r}: days without times ({_EXAMPLE})")
    shaped = tuple(tuple(_merged(r)) for r in ranges)
    return Hours(shaped, zone, spec=" ".join(spec.split()))


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


def _zone(word: str) -> str:
    if word.upper() == "UTC":
        return "UTC"
    if "/" not in word or _SPAN.fullmatch(word) or word.startswith("/") or ".." in word:
        raise UsageError(f"business hours end with a time zone such as Europe/Berlin, not {word!r}")
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"no time zone {word!r} (a name such as Europe/Berlin)") from exc
    return word


def _days(word: str, spec: str) -> list[int]:
    found = _DAY.fullmatch(word.lower())
    first = found and found.group(1)
    last = (found and found.group(2)) or first
    if not (first in DAYS and last in DAYS):
        raise UsageError(f"business hours {spec!r}: {word!r} is not a day (Mon ... Sun)")
    a, b = DAYS.index(str(first)), DAYS.index(str(last))
    return [(a + i) % 7 for i in range((b - a) % 7 + 1)]


def _range(span: re.Match[str], word: str) -> tuple[int, int]:
    """Minutes from the local midnight; an end before the start passes into the next day."""
    h1, m1, h2, m2 = (int(g) for g in span.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise UsageError(f"{word!r} is not a span of times (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise UsageError(f"{word!r} opens and closes at the same time")
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


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("business hours are asked about an aware time")
    return at
