"""Day buckets are whole local days, also across a clock change: every chart with day
buckets, read from raw rows, hourly rollups and day rollups alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard import charts, widgets
from dashboard.controls import View
from dashboard.ranges import preset_range
from db.read import errors, history, insights, overview, parts, split
from db.read.filters import Filters
from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record

# Local times of the seeded messages: the first and the last hour of a day are those a
# bucket at 01:00 or 23:00 (one fixed offset) puts on the wrong day.
TIMES = (time(0, 30), time(12, 0), time(23, 30))
FINAL_AFTER = timedelta(hours=2)  # a 23:30 message is still in the backlog at midnight


@dataclass(frozen=True)
class Case:
    zone: str
    now: datetime  # local wall-clock time in ``zone``
    days: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def instant(self) -> datetime:
        return self.now.replace(tzinfo=self.tz).astimezone(UTC)


CASES = [
    # The week after the clocks go back (25 h on Sunday 25 October) and forward (23 h on
    # Sunday 28 March), a month across each, and zones without a clock change.
    Case("Europe/Prague", datetime(2026, 10, 28, 12), 7),
    Case("Europe/Prague", datetime(2026, 10, 28, 12), 30),
    Case("Europe/Prague", datetime(2027, 3, 30, 12), 7),
    Case("Europe/Prague", datetime(2027, 3, 30, 12), 30),
    Case("Asia/Tokyo", datetime(2026, 10, 28, 12), 30),
    Case("Asia/Kolkata", datetime(2027, 3, 30, 12), 7),  # half an hour off every UTC hour
]
IDS = [f"{c.zone}-{c.now:%Y-%m-%d}-{c.days}d" for c in CASES]


@dataclass(frozen=True)
class Seeded:
    seen: datetime
    left: datetime | None  # when it became final; None: still pending
    status: str
    gateway: str


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def seed(engine: Engine, case: Case) -> list[Seeded]:
    """Three messages and three failed calls a day, from two days before the range to now."""
    tz, now = case.tz, case.instant
    today = case.now.date()
    seeded: list[Seeded] = []
    calls: list[ApiCallRecord] = []
    for back in range(case.days + 2, -1, -1):
        day = today - timedelta(days=back)
        for k, at in enumerate(TIMES):
            seen = datetime.combine(day, at, tz).astimezone(UTC)
            if seen >= now:
                continue
            rid, gateway = f"{day:%m%d}-{k}", ("high", "economy")[k % 2]
            receipt = (2, 1, 6)[k]  # delivered, pending, failed
            listed = RequestRecord(rid, gateway, seen - timedelta(seconds=5), None, "Shop", 0, 2)
            number = f"420777{day:%m%d}{k}"
            statuses = {rid: [NumberRecord(number, 2, 1, 1)]}
            record(engine, Observations("acme", seen, listed=[listed], statuses=statuses))
            left = seen + FINAL_AFTER if receipt != 1 and seen + FINAL_AFTER < now else None
            if left is not None:
                final = {rid: [NumberRecord(number, 2, 0, receipt)]}
                record(engine, Observations("acme", left, statuses=final))
            status = "pending" if left is None else ("delivered" if receipt == 2 else "failed")
            seeded.append(Seeded(seen, left, status, gateway))
            calls.append(ApiCallRecord("RequestStatus", seen, 120.0, "server_error", 500, 912))
    record(engine, Observations("acme", now, api_calls=calls))
    return seeded


def day_starts(case: Case, start: datetime, end: datetime) -> list[datetime]:
    """The local midnights from the one starting ``start``'s day to the last before ``end``."""
    first = start.astimezone(case.tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(case.tz).date()
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [local_midnight(day, case.tz) for day in days]


def local_day(at: datetime, tz: ZoneInfo) -> datetime:
    return local_midnight(at.astimezone(tz).date(), tz)


def in_range(seeded: list[Seeded], f: Filters) -> list[Seeded]:
    return [m for m in seeded if f.start <= m.seen < f.end]


def zone_argument(case: Case) -> Any:
    """What the dashboard passes the chart queries for its zone."""
    return case.zone


def each_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Day rollups (the default), then hourly rollups only, then raw rows only."""
    yield "day rollups"
    monkeypatch.setattr(parts, "DAYS", False)
    yield "hourly rollups"
    monkeypatch.setattr(split, "ROLLUPS", False)
    yield "raw rows"


@pytest.fixture(params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


def week_or_month(case: Case) -> Filters:
    start, end = preset_range(case.instant, timedelta(days=case.days), case.tz)
    assert start.astimezone(case.tz).time() == time(), "the preset starts at local midnight"
    return Filters(start, end)


def view_of(case: Case, f: Filters) -> View:
    span = timedelta(days=case.days)
    return View(f, "en", False, None, case.tz, case.instant, span)


def assert_local_days(buckets: pd.Series, case: Case, f: Filters) -> list[datetime]:
    """Every bucket starts at a local midnight within the range; the buckets, in order."""
    found = sorted({pd.Timestamp(b).to_pydatetime() for b in buckets})
    expected = day_starts(case, f.start, f.end)
    assert set(found) <= set(expected), "a bucket starts elsewhere than at a local midnight"
    return found


def test_outcome_over_time_has_a_bucket_per_local_day_holding_exactly_that_days_messages(
    engine: Engine, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed(engine, case)
    f = week_or_month(case)
    expected: dict[datetime, Counter[str]] = {}
    for m in in_range(seeded, f):
        expected.setdefault(local_day(m.seen, case.tz), Counter())[m.status] += 1
    assert len(expected) == len(day_starts(case, f.start, f.end)), "every local day has some"
    for path in each_path(monkeypatch):
        data = overview.outcome_over_time(engine, f, 86400, zone_argument(case))
        assert_local_days(data["bucket"], case, f)
        got = {
            pd.Timestamp(row.bucket).to_pydatetime(): Counter(
                {s: int(getattr(row, s)) for s in ("delivered", "failed", "pending")}
            )
            for row in data.itertuples()
        }
        assert got == expected, path
    # Drawn in the zone's wall-clock time, every bar starts at 00:00 of its day.
    axis = widgets.axis(view_of(case, f), None)
    bars = charts.outcome_over_time(data, axis).data[0].x
    assert {pd.Timestamp(x).time() for x in bars} == {time()}
    assert len(bars) == len(expected)


def test_errors_over_time_has_a_bucket_per_local_day_holding_exactly_that_days_failures(
    engine: Engine, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed(engine, case)
    f = week_or_month(case)
    expected = Counter(local_day(m.seen, case.tz) for m in in_range(seeded, f))
    for path in each_path(monkeypatch):
        data = errors.errors_over_time(engine, f, 86400, zone_argument(case))
        assert_local_days(data["bucket"], case, f)
        got: Counter[datetime] = Counter()
        for when, calls in zip(data["bucket"], data["calls"], strict=True):
            got[pd.Timestamp(when).to_pydatetime()] += int(calls)
        assert got == expected, path


def test_receipt_coverage_counts_each_local_day_by_gateway(
    engine: Engine, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed(engine, case)
    f = week_or_month(case)
    expected: dict[tuple[str, datetime], list[int]] = {}
    for m in in_range(seeded, f):
        cell = expected.setdefault((m.gateway, local_day(m.seen, case.tz)), [0, 0])
        cell[0] += 1
        cell[1] += m.status != "pending"  # delivered and failed both carry a final receipt
    for path in each_path(monkeypatch):
        data = insights.receipt_coverage(engine, f, zone_argument(case))
        assert_local_days(data["day"], case, f)
        got = {
            (row.gateway, pd.Timestamp(row.day).to_pydatetime()): [int(row.sent), int(row.covered)]
            for row in data.itertuples()
        }
        assert got == expected, path


def test_the_backlog_history_counts_the_messages_not_final_at_each_local_midnight(
    engine: Engine, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed(engine, case)
    f = week_or_month(case)
    starts = day_starts(case, f.start, f.end)
    # Each bucket is measured at its end: the next local midnight, or now for today's.
    ends = [*starts[1:], f.end]
    expected = [
        sum(1 for m in seeded if m.seen < at and (m.left is None or m.left >= at)) for at in ends
    ]
    assert min(expected) > 0, "a 23:30 message is still waiting at every midnight"
    for path in each_path(monkeypatch):
        series, heat = history.backlog_history(engine, f, 86400, zone_argument(case))
        assert [pd.Timestamp(b).to_pydatetime() for b in series["bucket"]] == starts, path
        assert list(series["not_final"]) == expected, path
        assert_local_days(heat["bucket"], case, f)
        per_bucket = heat.groupby("bucket")["messages"].sum()
        assert [int(per_bucket.get(pd.Timestamp(s), 0)) for s in starts] == expected, path


@pytest.mark.parametrize("case", [c for c in CASES if c.days == 30], ids=IDS[1:5:2] + IDS[4:5])
def test_a_chart_axis_starting_where_the_data_does_starts_at_that_days_local_midnight(
    case: Case,
) -> None:
    f = week_or_month(case)
    first_day = case.now.date() - timedelta(days=12)  # before the clock change, if any
    first = datetime.combine(first_day, time(15, 20), case.tz).astimezone(UTC)
    axis = widgets.axis(view_of(case, f), first)
    assert axis.bucket == 86400
    assert axis.start == local_midnight(first_day, case.tz)
