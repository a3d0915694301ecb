"""Business hours: the SPEC, and time counted in them across clock changes and holidays,
held against a minute-by-minute count of what the local clock shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crdt.errors import UsageError
from crdt.workflow import hours

BERLIN = "Europe/Berlin"
# days around the 2026 switches: Europe 29 Mar / 25 Oct, US 8 Mar / 1 Nov, Sydney 5 Apr / 4 Oct
SWITCHES = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1),
            date(2026, 4, 5), date(2026, 10, 4)]  # fmt: skip
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]

BERLIN_TZ = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = "Mon-Fri 09:00-17:00 Europe/Berlin"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_parse_reads_days_ranges_and_zone() -> None:
    h = hours.parse("Mon-Fri 09:00-12:00,13:00-17:00; Sat 10:00-14:00 America/New_York")
    assert h.zone == "America/New_York"
    assert h.ranges[0] == ((540, 720), (780, 1020))
    assert h.ranges[5] == ((600, 840),)
    assert h.ranges[6] == ()


def test_parse_takes_day_lists_wraps_and_midnight() -> None:
    h = hours.parse("fri-mon 22:00-02:00 UTC")
    assert h.zone == "UTC"
    assert [bool(r) for r in h.ranges] == [True, False, False, False, True, True, True]
    assert h.ranges[4] == ((1320, 1560),)
    assert hours.parse("Mon,Wed 00:00-24:00 UTC").ranges[2] == ((0, 1440),)


def test_overlapping_ranges_count_once() -> None:
    h = hours.parse("Mon 09:00-12:00 Mon 11:00-13:00 UTC")
    assert h.ranges[0] == ((540, 780),)
    monday = utc(2026, 12, 7, 0)
    assert h.seconds_between(monday, monday + timedelta(days=1)) == 4 * 3600


def test_a_workday_across_the_spring_switch_is_eight_hours() -> None:
    h = hours.parse(f"Mon-Sun 09:00-17:00 {BERLIN}")
    saturday, sunday = utc(2026, 3, 28, 0), utc(2026, 3, 29, 0)
    assert h.seconds_between(saturday, sunday) == 8 * 3600
    assert h.seconds_between(sunday, sunday + timedelta(days=1)) == 8 * 3600
    assert h.intervals(date(2026, 3, 29))[0][0] == utc(2026, 3, 29, 7)  # 09:00 CEST
    assert h.intervals(date(2026, 3, 28))[0][0] == utc(2026, 3, 28, 8)  # 09:00 CET


def test_a_range_the_switch_cuts_loses_or_gains_the_hour() -> None:
    h = hours.parse(f"Sun 01:00-04:00 {BERLIN}")
    (a, b) = h.intervals(date(2026, 3, 29))[0]
    assert (b - a) == timedelta(hours=2)
    (a, b) = h.intervals(date(2026, 10, 25))[0]
    assert (b - a) == timedelta(hours=4)


def test_a_range_starting_in_the_skipped_hour_starts_at_the_switch() -> None:
    h = hours.parse(f"Sun 02:30-05:00 {BERLIN}")
    assert h.intervals(date(2026, 3, 29)) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))]


def test_friday_evening_plus_three_hours_is_monday_morning() -> None:
    h = hours.parse(f"Mon-Fri 09:00-17:00 {BERLIN}")
    friday_17 = utc(2026, 3, 27, 16)  # 17:00 CET; Monday is in CEST
    assert h.add(friday_17, 3 * 3600) == utc(2026, 3, 30, 10)
    assert not h.is_open(friday_17)
    assert h.next_open(friday_17) == utc(2026, 3, 30, 7)
    assert h.is_open(utc(2026, 3, 30, 7))


def test_holidays_are_closed() -> None:
    h = hours.parse(f"Mon-Fri 09:00-17:00 {BERLIN}").with_holidays(
        hours.parse_holidays("# Christmas\n2026-12-24\n2026-12-25  # day\n\n")
    )
    assert h.holidays == {date(2026, 12, 24), date(2026, 12, 25)}
    thursday = utc(2026, 12, 24, 9)
    assert not h.is_open(thursday)
    assert h.next_open(thursday) == utc(2026, 12, 28, 8)
    assert h.add(utc(2026, 12, 23, 15), 2 * 3600) == utc(2026, 12, 28, 9)


def test_a_holidays_file_line_that_is_no_date_is_named() -> None:
    with pytest.raises(UsageError, match="line 2"):
        hours.parse_holidays("2026-12-24\nChristmas\n")


def test_no_open_hours_at_all_is_an_error_not_a_hang() -> None:
    h = hours.parse("Mon 09:00-10:00 UTC")
    everyday = [date(2026, 1, 5) + timedelta(days=n) for n in range(hours.MAX_DAYS + 7)]
    closed = h.with_holidays(everyday)
    with pytest.raises(UsageError, match="no open hours"):
        closed.add(utc(2026, 1, 5), 60)


# -- open, closed and the next change, across clock changes -------------------------------


def test_weekdays_open_and_closed() -> None:
    h = hours.parse(WEEKDAYS)
    assert h.zone == "Europe/Berlin"
    assert h.is_open(datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN_TZ))  # a Monday, at opening
    assert h.is_open(datetime(2026, 12, 7, 16, 59, tzinfo=BERLIN_TZ))
    assert not h.is_open(datetime(2026, 12, 7, 17, 0, tzinfo=BERLIN_TZ))  # the end is out
    assert not h.is_open(datetime(2026, 12, 7, 8, 59, tzinfo=BERLIN_TZ))
    assert not h.is_open(datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN_TZ))  # a Sunday


def test_the_same_instant_in_another_zone_is_the_same_answer() -> None:
    h = hours.parse(WEEKDAYS)
    assert h.is_open(utc(2026, 12, 7, 8, 30))  # 09:30 in Berlin (CET, +1)
    assert not h.is_open(utc(2026, 12, 7, 7, 30))
    assert not h.is_open(datetime(2026, 12, 7, 2, 30, tzinfo=NEW_YORK))  # 08:30 in Berlin
    assert h.is_open(datetime(2026, 12, 7, 3, 0, tzinfo=NEW_YORK))  # 09:00 in Berlin


def test_nine_stays_nine_across_spring_forward() -> None:
    """Berlin moves to summer time on 2026-03-29: opening is 08:00 UTC before, 07:00 after."""
    h = hours.parse(WEEKDAYS)
    assert h.is_open(utc(2026, 3, 27, 8, 0)) and not h.is_open(utc(2026, 3, 27, 7, 30))
    assert h.is_open(utc(2026, 3, 30, 7, 0)) and not h.is_open(utc(2026, 3, 30, 6, 59))
    friday_evening = utc(2026, 3, 27, 17, 0)  # 18:00 CET
    opens = h.next_open(friday_evening)
    assert opens == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN_TZ)
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 30, 7, 0)


def test_nine_stays_nine_across_fall_back() -> None:
    h = hours.parse(WEEKDAYS)
    opens = h.next_open(utc(2026, 10, 23, 16, 0))  # Friday 18:00 CEST
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 10, 26, 8, 0)  # CET
    closes = h.next_close(utc(2026, 10, 26, 9, 0))
    assert closes is not None and closes.astimezone(UTC) == utc(2026, 10, 26, 16, 0)


def test_an_opening_in_the_spring_gap_opens_when_the_gap_ends() -> None:
    """02:30 does not happen in Berlin on 2026-03-29 (02:00 jumps to 03:00)."""
    h = hours.parse("Sun 02:30-04:00 Europe/Berlin")
    opens = h.next_open(utc(2026, 3, 28, 12, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert h.is_open(utc(2026, 3, 29, 1, 0)) and not h.is_open(utc(2026, 3, 29, 0, 59))
    a_week_before = h.next_open(utc(2026, 3, 21, 12, 0))
    assert a_week_before is not None and a_week_before.astimezone(UTC) == utc(2026, 3, 22, 1, 30)


def test_the_hour_that_happens_twice_is_open_both_times() -> None:
    """On 2026-10-25 Berlin shows 02:00-03:00 twice (CEST, then CET)."""
    h = hours.parse("Sun 02:00-03:00 Europe/Berlin")
    assert h.is_open(utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert h.is_open(utc(2026, 10, 25, 1, 30))  # 02:30 CET
    assert not h.is_open(utc(2026, 10, 25, 2, 0))  # 03:00 CET
    opens = h.next_open(utc(2026, 10, 24, 12, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 10, 25, 0, 0)  # the first


def test_new_york_changes_on_its_own_dates() -> None:
    """New York moves on 2026-03-08, three weeks before Berlin."""
    h = hours.parse("Mon-Fri 09:00-17:00 America/New_York")
    assert h.is_open(utc(2026, 3, 9, 13, 0))  # 09:00 EDT
    assert not h.is_open(utc(2026, 3, 6, 13, 0))  # 08:00 EST
    opens = h.next_open(utc(2026, 3, 7, 0, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 9, 13, 0)


def test_several_rules_spans_and_lists() -> None:
    h = hours.parse("Mon-Thu 09:00-12:00 13:00-17:00, Fri 09:00-15:00; Sat,Sun 10:00-11:00 UTC")
    assert h.is_open(utc(2026, 12, 7, 11, 0)) and not h.is_open(utc(2026, 12, 7, 12, 30))
    assert h.is_open(utc(2026, 12, 11, 14, 0)) and not h.is_open(utc(2026, 12, 11, 15, 0))
    assert h.is_open(utc(2026, 12, 12, 10, 30)) and h.is_open(utc(2026, 12, 13, 10, 30))
    lunch = h.next_open(utc(2026, 12, 7, 12, 0))
    assert lunch == utc(2026, 12, 7, 13, 0)


def test_overnight_and_wrapping_days() -> None:
    h = hours.parse("Fri-Mon 22:00-06:00 UTC")
    assert h.is_open(utc(2026, 12, 11, 23, 0))  # Friday night
    assert h.is_open(utc(2026, 12, 15, 5, 0))  # Tuesday morning: Monday's night
    assert not h.is_open(utc(2026, 12, 16, 5, 0))  # Wednesday morning
    assert not h.is_open(utc(2026, 12, 9, 23, 0))  # Wednesday night
    assert h.next_close(utc(2026, 12, 11, 23, 0)) == utc(2026, 12, 12, 6, 0)
    assert h.next_open(utc(2026, 12, 15, 7, 0)) == utc(2026, 12, 18, 22, 0)


def test_a_weekend_stretch_closes_once_not_at_each_midnight() -> None:
    h = hours.parse("Fri 18:00-24:00, Sat-Sun 00:00-24:00, Mon 00:00-06:00 UTC")
    assert h.next_close(utc(2026, 12, 11, 19, 0)) == utc(2026, 12, 14, 6, 0)
    assert h.next_open(utc(2026, 12, 14, 7, 0)) == utc(2026, 12, 18, 18, 0)


def test_always_open_never_closes() -> None:
    h = hours.parse("Mon-Sun 00:00-24:00 UTC")
    assert h.is_open(utc(2026, 12, 6, 3, 0))
    assert h.next_close(utc(2026, 12, 6, 3, 0)) is None


def test_next_open_walks_forward_hour_by_hour() -> None:
    h = hours.parse(WEEKDAYS)
    at = utc(2026, 3, 20, 0, 0)
    for _ in range(24 * 21):  # three weeks, across the spring change
        opens = h.next_open(at)
        assert opens is not None and opens >= at and h.is_open(opens)
        assert not h.is_open(opens - timedelta(minutes=1)) or opens == at
        at += timedelta(hours=1)


def test_the_spec_is_kept_tidy() -> None:
    assert hours.parse("  Mon-Fri   09:00-17:00  Europe/Berlin ").spec == WEEKDAYS


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("", "give days, times and a zone"),
        ("Mon-Fri 09:00-17:00", "give days, times and a zone"),
        ("Mon-Fri 09:00-17:00 Mars/Olympus", "no time zone 'Mars/Olympus'"),
        ("Mon-Fri 09:00-17:00 Berlin", "end with a time zone"),
        ("Mon-Fry 09:00-17:00 Europe/Berlin", "'Mon-Fry' is not a day"),
        ("Mon-Fri 09:00-25:00 Europe/Berlin", "'09:00-25:00' is not a span"),
        ("Mon-Fri 09:60-17:00 Europe/Berlin", "is not a span"),
        ("Mon-Fri 09:00-09:00 Europe/Berlin", "opens and closes at the same time"),
        ("09:00-17:00 Mon Europe/Berlin", "comes before any day"),
        ("Mon Tue Europe/Berlin", "days without times"),
        ("Mon 9-17 Europe/Berlin", "'9-17' is not a day"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, said: str) -> None:
    with pytest.raises(UsageError, match=said.replace("(", r"\(")):
        hours.parse(spec)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        hours.parse(WEEKDAYS).is_open(datetime(2026, 12, 7, 10, 0))


# -- properties -----------------------------------------------------------------------------

minutes = st.sampled_from([0, 4, 5, 6, 7, 8, 9, 12, 17, 20, 23, 24]).map(lambda h: h * 60)


@st.composite
def specs(draw: st.DrawFn) -> hours.Hours:
    """Hours whose ends are whole hours outside 01:00-04:00, where no zone here switches
    (an end inside a repeated hour is defined as its first pass, which a count of what
    the clock shows cannot tell)."""
    ranges: list[tuple[tuple[int, int], ...]] = []
    for _ in range(7):
        pairs = draw(st.lists(st.tuples(minutes, minutes), max_size=2))
        day = sorted({(a, b) for a, b in pairs if a < b})
        ranges.append(tuple(hours._merged(list(day))))
    if not any(ranges):
        ranges[0] = ((540, 1020),)
    zone = draw(st.sampled_from(ZONES))
    holidays = draw(st.sets(st.sampled_from([d + timedelta(days=k) for d in SWITCHES
                                             for k in (-1, 0, 1)]), max_size=3))  # fmt: skip
    return hours.Hours(tuple(ranges), zone, frozenset(holidays))


instants = st.builds(
    lambda day, minute: (
        datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=minute)
    ),
    st.sampled_from(SWITCHES),
    st.integers(-36 * 60, 36 * 60),
)


def counted(h: hours.Hours, start: datetime, end: datetime) -> int:
    """Open minutes in [start, end), each judged by what the local clock shows."""
    tz, total, t = ZoneInfo(h.zone), 0, start
    while t < end:
        local = t.astimezone(tz)
        now = local.hour * 60 + local.minute
        today, yesterday = local.date(), local.date() - timedelta(days=1)
        open_ = today not in h.holidays and any(a <= now < b for a, b in h.ranges[today.weekday()])
        open_ = open_ or (
            yesterday not in h.holidays
            and any(a <= now + 1440 < b for a, b in h.ranges[yesterday.weekday()])
        )
        total += open_
        t += timedelta(minutes=1)
    return total


@settings(max_examples=60, deadline=None)
@given(specs(), instants, st.integers(0, 48 * 60))
def test_seconds_between_is_what_the_clock_shows(
    h: hours.Hours, start: datetime, span: int
) -> None:
    end = start + timedelta(minutes=span)
    assert h.seconds_between(start, end) == counted(h, start, end) * 60


@settings(max_examples=200, deadline=None)
@given(specs(), instants, st.integers(0, 30 * 3600))
def test_add_then_count_gives_back_the_seconds(h: hours.Hours, start: datetime, s: int) -> None:
    end = h.add(start, s)
    assert end >= start
    assert h.seconds_between(start, end) == s
    if s:
        assert h.is_open(end - timedelta(seconds=1))


@settings(max_examples=200, deadline=None)
@given(specs(), instants, st.integers(0, 5000), st.integers(0, 5000))
def test_counts_add_up(h: hours.Hours, a: datetime, m: int, n: int) -> None:
    b, c = a + timedelta(minutes=m), a + timedelta(minutes=m + n)
    assert h.seconds_between(a, b) + h.seconds_between(b, c) == h.seconds_between(a, c)
    assert h.seconds_between(a, c) <= (c - a).total_seconds()


@settings(max_examples=200, deadline=None)
@given(specs(), instants)
def test_next_open_is_open_and_nothing_before_it(h: hours.Hours, at: datetime) -> None:
    opens = h.next_open(at)
    assert opens >= at and h.is_open(opens)
    assert h.seconds_between(at, opens) == 0
