"""Business hours: "Mon-Fri 09:00-17:00 Europe/Berlin", and whether a moment is inside them.

Pure: every function takes the moment it is asked about (an aware datetime), so tests
need no clock. The hours are wall-clock times in their zone (zoneinfo), so "09:00" is
nine in the morning there in winter and in summer: the UTC instant moves with daylight
saving time, the opening does not. An opening that falls in a spring-forward gap opens
when the gap ends; wall-clock times that happen twice in the autumn are inside both times.

The chat's away message asks ``is_open``; anything that counts time only while the team
works (an SLA) walks ``next_open`` and ``next_close``.

SPEC: one or more rules, then the zone. A rule is days (``Mon``, ``Mon-Fri``, a range
may wrap: ``Fri-Mon``; several with commas) and one or more ``HH:MM-HH:MM`` spans
(``24:00`` ends at midnight; an end before its start runs past midnight into the next
day)::

    Mon-Fri 09:00-17:00 Europe/Berlin
    Mon-Thu 09:00-12:00 13:00-17:00, Fri 09:00-15:00 America/New_York
    Sat,Sun 10:00-14:00 UTC
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crdt.errors import UsageError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_DAY = re.compile(r"([a-z]{3})[a-z]*(?:-([a-z]{3})[a-z]*)?")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
_EXAMPLE = "e.g. 'Mon-Fri 09:00-17:00 Europe/Berlin'"

Span = tuple[int, int]  # minutes of a local day: [start, end)


@dataclass(frozen=True)
class Hours:
    """The open spans of each weekday (Monday first), in ``zone``; ``spec`` as given,
    tidied (one space between words)."""

    spec: str
    zone: str
    week: tuple[tuple[Span, ...], ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def is_open(self, at: datetime) -> bool:
        local = _aware(at).astimezone(self.tz)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.week[local.weekday()])

    def next_open(self, at: datetime) -> datetime | None:
        """The first moment at or after ``at`` that is inside the hours (``at`` itself
        when open), in the hours' zone; None when the hours have no span at all."""
        if self.is_open(at):
            return _aware(at).astimezone(self.tz)
        return self._next_edge(at, opening=True)

    def next_close(self, at: datetime) -> datetime | None:
        """The first moment at or after ``at`` that is outside the hours (``at`` itself
        when closed); None when open all week round."""
        if not self.is_open(at):
            return _aware(at).astimezone(self.tz)
        return self._next_edge(at, opening=False)

    def _next_edge(self, at: datetime, opening: bool) -> datetime | None:
        start = _aware(at).astimezone(self.tz)
        for ahead in range(8):
            day = start.date() + timedelta(days=ahead)
            for minute in self._edges(day.weekday(), opening):
                moment = _wall(day, minute, self.tz)
                if moment > start:
                    return moment
        return None

    def _edges(self, weekday: int, opening: bool) -> list[int]:
        """The minutes of a weekday at which the hours open (or close): a span's start
        not continuing the day before's span past midnight, or its end not continued."""
        today = self.week[weekday]
        if opening:
            yesterday = self.week[(weekday - 1) % 7]
            joined = any(end == DAY_MINUTES for _, end in yesterday)
            return sorted(s for s, _ in today if not (s == 0 and joined))
        tomorrow = self.week[(weekday + 1) % 7]
        continued = any(s == 0 for s, _ in tomorrow)
        return sorted(e for _, e in today if not (e == DAY_MINUTES and continued))


def parse(spec: str) -> Hours:
    """The hours a SPEC gives; a ``UsageError`` that says what is wrong otherwise."""
    words = [w for w in re.split(r"[\s,;]+", spec.strip()) if w]
    if len(words) < 3:
        raise UsageError(f"business hours {spec!r}: give days, times and a zone ({_EXAMPLE})")
    zone = _zone(words[-1])
    week: list[set[Span]] = [set() for _ in DAYS]
    days: list[int] = []
    spans_of_rule = 0
    for word in words[:-1]:
        span = _SPAN.fullmatch(word)
        if span:
            if not days:
                raise UsageError(f"business hours {spec!r}: {word} comes before any day")
            for weekday in days:
                _add(week, weekday, _minutes(span, word))
            spans_of_rule += 1
            continue
        if spans_of_rule:  # a day after spans: a new rule
            days, spans_of_rule = [], 0
        days += _days(word, spec)
    if not spans_of_rule:
        raise UsageError(f"business hours {spec!r}: days without times ({_EXAMPLE})")
    shaped = tuple(tuple(sorted(_merged(sorted(d)))) for d in week)
    return Hours(" ".join(spec.split()), zone, shaped)


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


def _minutes(span: re.Match[str], word: str) -> Span:
    h1, m1, h2, m2 = (int(g) for g in span.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise UsageError(f"{word!r} is not a span of times (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise UsageError(f"{word!r} opens and closes at the same time")
    return start, end


def _add(week: list[set[Span]], weekday: int, span: Span) -> None:
    start, end = span
    if end > start:
        week[weekday].add(span)
    else:  # past midnight: the rest of this day, then the next day's morning
        week[weekday].add((start, DAY_MINUTES))
        if end:
            week[(weekday + 1) % 7].add((0, end))


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _wall(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The first moment the clock on the wall in ``tz`` shows ``minute`` of ``day``, or
    passes it: in a spring-forward gap, the gap's end."""
    if minute >= DAY_MINUTES:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    moment = naive.replace(tzinfo=tz)
    back = moment.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) == naive:
        return back
    # no such wall time: the clock jumps over it, and the moment it jumps is the gap's end,
    # between the wall time read with the offset after the change and with the one before
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = moment.astimezone(UTC)
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(tz)


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("business hours are asked about an aware time")
    return at
