"""Times people type, read against a fixed, aware "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crdt.errors import UsageError
from crdt.workflow import when

CET = timezone(timedelta(hours=1))
NOW = datetime(2026, 3, 4, 10, 30, tzinfo=CET)  # a Wednesday, 10:30
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", at(4, 12, 30)),
        ("3d", at(7, 10, 30)),
        ("1w", at(11, 10, 30)),
        ("45m", at(4, 11, 15)),
        ("90 minutes", at(4, 12, 0)),
        ("2 hours", at(4, 12, 30)),
        ("1 day", at(5, 10, 30)),
        ("2 weeks", at(18, 10, 30)),
        (" 2H ", at(4, 12, 30)),
    ],
)
def test_spans_count_from_now(text: str, expected: datetime) -> None:
    assert when.parse(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9:00", at(5, 9)),
        ("tomorrow", at(5, 9)),
        ("Tomorrow 2pm", at(5, 14)),
        ("tomorrow 12am", at(5, 0)),
        ("tomorrow 12pm", at(5, 12)),
        ("tomorrow 17:45", at(5, 17, 45)),
        ("today 5pm", at(4, 17)),
    ],
)
def test_named_days_with_a_time_of_day(text: str, expected: datetime) -> None:
    assert when.parse(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday", at(9, 9)),
        ("friday 17:30", at(6, 17, 30)),
        ("Thursday 8am", at(5, 8)),
        ("wednesday", at(11, 9)),  # today's weekday means next week
    ],
)
def test_weekdays_mean_the_next_such_day(text: str, expected: datetime) -> None:
    assert when.parse(text, NOW) == expected


def test_bare_time_later_today_means_today() -> None:
    assert when.parse("2pm", NOW) == at(4, 14)
    assert when.parse("14:30", NOW) == at(4, 14, 30)


def test_bare_time_already_past_today_means_tomorrow() -> None:
    assert when.parse("9am", NOW) == at(5, 9)
    assert when.parse("10:30", NOW) == at(5, 10, 30)


def test_iso_time_with_zone_keeps_its_zone() -> None:
    parsed = when.parse("2026-12-01T09:00:00Z", NOW)
    assert parsed == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert when.parse("2026-12-01T09:00+05:00", NOW) == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_iso_time_without_zone_is_local_to_now() -> None:
    parsed = when.parse("2026-12-01T09:00", NOW)
    assert parsed == datetime(2026, 12, 1, 9, 0, tzinfo=CET)
    assert parsed.utcoffset() == timedelta(hours=1)


def test_results_are_aware() -> None:
    for text in ("2h", "tomorrow", "monday", "2pm", "2026-12-01T09:00"):
        assert when.parse(text, NOW).tzinfo is not None


def test_hours_are_elapsed_time_across_a_clock_change() -> None:
    before_change = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)  # clocks go 02:00 -> 03:00
    later = when.parse("2h", before_change)
    assert later.astimezone(UTC) - before_change.astimezone(UTC) == timedelta(hours=2)
    assert (later.hour, later.minute) == (4, 30)


def test_days_keep_the_time_of_day_across_a_clock_change() -> None:
    saturday = datetime(2026, 3, 28, 10, 0, tzinfo=BERLIN)
    assert when.parse("1d", saturday) == datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)
    tomorrow = when.parse("tomorrow 9:00", saturday)
    assert tomorrow.utcoffset() == timedelta(hours=2)
    assert (tomorrow.day, tomorrow.hour) == (29, 9)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "soon",
        "2x",
        "-2h",
        "1.5h",
        "tomorrow 25:00",
        "monday 9:75",
        "tomorrow at noon",
        "someday",
        "2026-13-01",
        "9",
    ],
)
def test_unreadable_input_raises_usage_error(bad: str) -> None:
    with pytest.raises(UsageError):
        when.parse(bad, NOW)


@pytest.mark.parametrize("past", ["2020-01-01T09:00Z", "today 9:00", "0h", "2026-03-04T10:30"])
def test_times_not_in_the_future_raise_usage_error(past: str) -> None:
    with pytest.raises(UsageError, match="past"):
        when.parse(past, NOW)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("1h30m", 5400), ("2d", 172800), ("30s", 30), ("1m30s", 90), ("10 secs", 10)],
)
def test_a_duration_reads_its_units_seconds_too(text: str, seconds: int) -> None:
    assert when.duration(text) == seconds


@pytest.mark.parametrize("text", ["0s", "soon", "5x", "367d"])
def test_a_duration_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(UsageError):
        when.duration(text)
