"""Business hours: parsing, and open or closed across daylight saving time changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crdt.errors import UsageError
from crdt.workflow.hours import parse

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = "Mon-Fri 09:00-17:00 Europe/Berlin"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_weekdays_open_and_closed() -> None:
    hours = parse(WEEKDAYS)
    assert hours.zone == "Europe/Berlin"
    assert hours.is_open(datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))  # a Monday, at opening
    assert hours.is_open(datetime(2026, 12, 7, 16, 59, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 12, 7, 17, 0, tzinfo=BERLIN))  # the end is out
    assert not hours.is_open(datetime(2026, 12, 7, 8, 59, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN))  # a Sunday


def test_the_same_instant_in_another_zone_is_the_same_answer() -> None:
    hours = parse(WEEKDAYS)
    assert hours.is_open(utc(2026, 12, 7, 8, 30))  # 09:30 in Berlin (CET, +1)
    assert not hours.is_open(utc(2026, 12, 7, 7, 30))
    assert not hours.is_open(datetime(2026, 12, 7, 2, 30, tzinfo=NEW_YORK))  # 08:30 in Berlin
    assert hours.is_open(datetime(2026, 12, 7, 3, 0, tzinfo=NEW_YORK))  # 09:00 in Berlin


def test_nine_stays_nine_across_spring_forward() -> None:
    """Berlin moves to summer time on 2026-03-29: opening is 08:00 UTC before, 07:00 after."""
    hours = parse(WEEKDAYS)
    assert hours.is_open(utc(2026, 3, 27, 8, 0)) and not hours.is_open(utc(2026, 3, 27, 7, 30))
    assert hours.is_open(utc(2026, 3, 30, 7, 0)) and not hours.is_open(utc(2026, 3, 30, 6, 59))
    friday_evening = utc(2026, 3, 27, 17, 0)  # 18:00 CET
    opens = hours.next_open(friday_evening)
    assert opens == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 30, 7, 0)


def test_nine_stays_nine_across_fall_back() -> None:
    hours = parse(WEEKDAYS)
    opens = hours.next_open(utc(2026, 10, 23, 16, 0))  # Friday 18:00 CEST
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 10, 26, 8, 0)  # CET
    closes = hours.next_close(utc(2026, 10, 26, 9, 0))
    assert closes is not None and closes.astimezone(UTC) == utc(2026, 10, 26, 16, 0)


def test_an_opening_in_the_spring_gap_opens_when_the_gap_ends() -> None:
    """02:30 does not happen in Berlin on 2026-03-29 (02:00 jumps to 03:00)."""
    hours = parse("Sun 02:30-04:00 Europe/Berlin")
    opens = hours.next_open(utc(2026, 3, 28, 12, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert hours.is_open(utc(2026, 3, 29, 1, 0)) and not hours.is_open(utc(2026, 3, 29, 0, 59))
    a_week_before = hours.next_open(utc(2026, 3, 21, 12, 0))
    assert a_week_before is not None and a_week_before.astimezone(UTC) == utc(2026, 3, 22, 1, 30)


def test_the_hour_that_happens_twice_is_open_both_times() -> None:
    """On 2026-10-25 Berlin shows 02:00-03:00 twice (CEST, then CET)."""
    hours = parse("Sun 02:00-03:00 Europe/Berlin")
    assert hours.is_open(utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert hours.is_open(utc(2026, 10, 25, 1, 30))  # 02:30 CET
    assert not hours.is_open(utc(2026, 10, 25, 2, 0))  # 03:00 CET
    opens = hours.next_open(utc(2026, 10, 24, 12, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 10, 25, 0, 0)  # the first


def test_new_york_changes_on_its_own_dates() -> None:
    """New York moves on 2026-03-08, three weeks before Berlin."""
    hours = parse("Mon-Fri 09:00-17:00 America/New_York")
    assert hours.is_open(utc(2026, 3, 9, 13, 0))  # 09:00 EDT
    assert not hours.is_open(utc(2026, 3, 6, 13, 0))  # 08:00 EST
    opens = hours.next_open(utc(2026, 3, 7, 0, 0))
    assert opens is not None and opens.astimezone(UTC) == utc(2026, 3, 9, 13, 0)


def test_several_rules_spans_and_lists() -> None:
    hours = parse("Mon-Thu 09:00-12:00 13:00-17:00, Fri 09:00-15:00; Sat,Sun 10:00-11:00 UTC")
    assert hours.is_open(utc(2026, 12, 7, 11, 0)) and not hours.is_open(utc(2026, 12, 7, 12, 30))
    assert hours.is_open(utc(2026, 12, 11, 14, 0)) and not hours.is_open(utc(2026, 12, 11, 15, 0))
    assert hours.is_open(utc(2026, 12, 12, 10, 30)) and hours.is_open(utc(2026, 12, 13, 10, 30))
    lunch = hours.next_open(utc(2026, 12, 7, 12, 0))
    assert lunch == utc(2026, 12, 7, 13, 0)


def test_overnight_and_wrapping_days() -> None:
    hours = parse("Fri-Mon 22:00-06:00 UTC")
    assert hours.is_open(utc(2026, 12, 11, 23, 0))  # Friday night
    assert hours.is_open(utc(2026, 12, 15, 5, 0))  # Tuesday morning: Monday's night
    assert not hours.is_open(utc(2026, 12, 16, 5, 0))  # Wednesday morning
    assert not hours.is_open(utc(2026, 12, 9, 23, 0))  # Wednesday night
    assert hours.next_close(utc(2026, 12, 11, 23, 0)) == utc(2026, 12, 12, 6, 0)
    assert hours.next_open(utc(2026, 12, 15, 7, 0)) == utc(2026, 12, 18, 22, 0)


def test_a_weekend_stretch_closes_once_not_at_each_midnight() -> None:
    hours = parse("Fri 18:00-24:00, Sat-Sun 00:00-24:00, Mon 00:00-06:00 UTC")
    assert hours.next_close(utc(2026, 12, 11, 19, 0)) == utc(2026, 12, 14, 6, 0)
    assert hours.next_open(utc(2026, 12, 14, 7, 0)) == utc(2026, 12, 18, 18, 0)


def test_always_open_never_closes() -> None:
    hours = parse("Mon-Sun 00:00-24:00 UTC")
    assert hours.is_open(utc(2026, 12, 6, 3, 0))
    assert hours.next_close(utc(2026, 12, 6, 3, 0)) is None


def test_next_open_walks_forward_hour_by_hour() -> None:
    hours = parse(WEEKDAYS)
    at = utc(2026, 3, 20, 0, 0)
    for _ in range(24 * 21):  # three weeks, across the spring change
        opens = hours.next_open(at)
        assert opens is not None and opens >= at and hours.is_open(opens)
        assert not hours.is_open(opens - timedelta(minutes=1)) or opens == at
        at += timedelta(hours=1)


def test_the_spec_is_kept_tidy() -> None:
    assert parse("  Mon-Fri   09:00-17:00  Europe/Berlin ").spec == WEEKDAYS


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
        parse(spec)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse(WEEKDAYS).is_open(datetime(2026, 12, 7, 10, 0))
