"""Date ranges across both of Prague's clock changes, on a fixed clock, and in Tokyo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.controls import View
from dashboard.ranges import custom_range, preset_range, previous_period
from db.read.filters import Filters

PRAGUE = ZoneInfo("Europe/Prague")
TOKYO = ZoneInfo("Asia/Tokyo")
# The clocks go back on 2026-10-25 and forward on 2027-03-28 in Prague; Tokyo keeps +09:00.
DAYS = [date(2026, 10, 25), date(2026, 10, 28), date(2027, 3, 28), date(2027, 3, 30)]
ZONES = [PRAGUE, TOKYO]


def local(day: date, hour: int, tz: ZoneInfo, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("today", DAYS, ids=str)
@pytest.mark.parametrize("days", [7, 30])
@pytest.mark.parametrize("hour", [0, 10, 23])
def test_the_7_and_30_day_presets_start_at_local_midnight_across_a_clock_change(
    tz: ZoneInfo, today: date, days: int, hour: int
) -> None:
    now = local(today, hour, tz, 59).astimezone(UTC)
    start, end = preset_range(now, timedelta(days=days), tz)
    assert end == now
    shown = start.astimezone(tz)
    assert shown.date() == today - timedelta(days=days)
    assert (shown.hour, shown.minute) == (0, 0)


def test_the_7_day_preset_in_the_week_after_each_clock_change_starts_at_midnight() -> None:
    # The two figures the bug report measured: 01:00 and 23:00 instead of 00:00.
    autumn = local(date(2026, 10, 28), 10, PRAGUE).astimezone(UTC)
    spring = local(date(2027, 3, 30), 10, PRAGUE).astimezone(UTC)
    assert preset_range(autumn, timedelta(days=7), PRAGUE)[0] == datetime(
        2026, 10, 20, 22, tzinfo=UTC
    )
    assert preset_range(spring, timedelta(days=7), PRAGUE)[0] == datetime(
        2027, 3, 22, 23, tzinfo=UTC
    )


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_the_24_hour_preset_counts_elapsed_hours_back_to_a_whole_hour(tz: ZoneInfo) -> None:
    now = datetime(2026, 10, 25, 9, 17, 10, tzinfo=UTC)  # hours after Prague's clocks went back
    start, end = preset_range(now, timedelta(hours=24), tz)
    assert (start, end) == (datetime(2026, 10, 24, 9, tzinfo=UTC), now)


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(
    "first,last", [(date(2026, 10, 20), date(2026, 10, 28)), (date(2027, 3, 27), date(2027, 3, 30))]
)
def test_a_custom_range_covers_whole_local_days_across_a_clock_change(
    tz: ZoneInfo, first: date, last: date
) -> None:
    start, end = custom_range(first, last, tz)
    assert start == local(first, 0, tz)
    assert end == local(last + timedelta(days=1), 0, tz)
    hours = (end - start) / timedelta(hours=1)
    change = {date(2026, 10, 20): 1, date(2027, 3, 27): -1}[first] if tz is PRAGUE else 0
    assert hours == 24 * ((last - first).days + 1) + change


def test_a_custom_range_of_one_day_is_that_whole_day_even_when_it_has_23_hours() -> None:
    start, end = custom_range(date(2027, 3, 28), date(2027, 3, 28), PRAGUE)
    assert end - start == timedelta(hours=23)
    assert start.astimezone(PRAGUE).hour == 0 and end.astimezone(PRAGUE).hour == 0


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("today", DAYS, ids=str)
@pytest.mark.parametrize("days", [7, 30])
def test_the_previous_period_of_a_day_range_is_the_same_local_wall_clock_span(
    tz: ZoneInfo, today: date, days: int
) -> None:
    now = local(today, 10, tz, 20).astimezone(UTC)
    start, end = preset_range(now, timedelta(days=days), tz)
    before = previous_period(Filters(start, end, sender="Bank"), tz)
    assert before.end == start and before.sender == "Bank"
    # days + 10 h 20 min of wall clock before local midnight: 13:40 on the day before that
    expected = local(today - timedelta(days=2 * days + 1), 13, tz, 40)
    assert before.start == expected.astimezone(UTC)


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_the_previous_period_of_whole_custom_days_is_as_many_whole_local_days(
    tz: ZoneInfo,
) -> None:
    start, end = custom_range(date(2026, 10, 26), date(2026, 11, 1), tz)
    before = previous_period(Filters(start, end), tz)
    assert before.start == local(date(2026, 10, 19), 0, tz)
    assert before.end == local(date(2026, 10, 26), 0, tz)


def test_the_previous_period_of_an_hour_range_is_the_same_elapsed_time() -> None:
    now = datetime(2026, 10, 25, 9, 17, 10, tzinfo=UTC)
    start, end = preset_range(now, timedelta(hours=24), PRAGUE)
    before = previous_period(Filters(start, end), PRAGUE)
    assert (before.start, before.end) == (start - (end - start), start)


def test_an_auto_refresh_over_a_clock_change_keeps_the_7_day_preset_at_local_midnight() -> None:
    then = local(date(2026, 10, 24), 23, PRAGUE, 50).astimezone(UTC)
    span = timedelta(days=7)
    view = View(Filters(*preset_range(then, span, PRAGUE)), "en", False, 60, PRAGUE, then, span)
    later = local(date(2026, 10, 28), 0, PRAGUE, 10).astimezone(UTC)
    moved = view.refreshed(later)
    assert moved.now == later == moved.filters.end
    assert moved.filters.start == local(date(2026, 10, 21), 0, PRAGUE).astimezone(UTC)
    assert moved.previous().end == moved.filters.start
