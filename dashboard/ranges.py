"""Date ranges in the viewer's zone: presets, custom days and the period before them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.read.filters import Filters, sliding_start

DAY = timedelta(days=1)


def utc_offset(tz: ZoneInfo, when: datetime) -> int:
    """Seconds east of UTC in ``tz`` at the instant ``when``."""
    shift = when.astimezone(tz).utcoffset()
    return int(shift.total_seconds()) if shift else 0


def preset_range(now: datetime, span: timedelta, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """(start, end) of "the last ``span``" ending now.

    Spans of days start at local midnight ``span.days`` calendar days before today, so
    the range is whole local days plus today's part even when a clock change lies in
    between (a fixed UTC offset would land at 01:00 or 23:00 on the far side of it).
    Shorter spans count elapsed time back from now, down to the start of their bucket.
    """
    if span >= timedelta(days=3):
        first = now.astimezone(tz).date() - timedelta(days=span.days)
        return midnight(first, tz), now
    return sliding_start(now, span, utc_offset(tz, now)), now


def custom_range(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """(start, end) of the local days ``first`` to ``last``, both included."""
    start = midnight(first, tz)
    return start, max(midnight(last + DAY, tz), start + timedelta(hours=1))


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def previous_period(filters: Filters, tz: ZoneInfo) -> Filters:
    """The period just before ``filters``, for the change figures.

    A range that starts at local midnight (the 7- and 30-day presets, custom days) is
    compared with the same local wall-clock span ending at its start: whole local days
    stay whole local days across a clock change (7 days 10 hours of wall clock before
    Monday 00:00 starts at 14:00, whatever the clock did). Other ranges (1 h, 24 h) are
    compared with the same elapsed time just before.
    """
    start = filters.start.astimezone(tz).replace(tzinfo=None)
    if start.time() != time():
        return filters.previous()
    end = filters.end.astimezone(tz).replace(tzinfo=None)
    before = (start - (end - start)).replace(tzinfo=tz).astimezone(UTC)
    return replace(filters, start=before, end=filters.start)
