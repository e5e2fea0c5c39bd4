"""Day rollups: long ranges read whole UTC days, and answer exactly what hours and raw rows do."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from dashboard.ranges import preset_range
from db.models import RollupOutcomes, RollupOutcomesDay
from db.read import backlog, errors, health, history, insights, messages, overview, parts, split
from db.read.buckets import buckets
from db.read.filters import Filters
from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record

NOW = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
SENDERS = ("MyShop", "Bank", "Doctor")
GATEWAYS = ("high", "economy")
FAILURES = (("server_error", 500, 912), ("client_error", 401, 103), ("timeout", None, None))


def fill(engine: Engine, days: int = 9, requests: int = 90, now: datetime = NOW) -> None:
    """Messages and calls spread over ``days`` before ``now``, across UTC and local midnights."""
    rng = random.Random(13)
    for n in range(requests):
        at = now - timedelta(seconds=rng.randrange(days * 86400))
        rid = f"r{n}"
        listed = RequestRecord(
            rid, rng.choice(GATEWAYS), at - timedelta(seconds=9), None, rng.choice(SENDERS), 0, 2
        )
        numbers = [f"42077700{n:04d}{k}" for k in range(rng.randint(1, 3))]
        record(
            engine,
            Observations(
                "acme" if n % 5 else "other",
                at,
                listed=[listed],
                statuses={rid: [NumberRecord(num, 2, 1, 0) for num in numbers]},
            ),
        )
        later = at + timedelta(seconds=rng.choice((5, 70, 3000, 9000)))
        if rng.random() < 0.8 and later < now:
            final = [NumberRecord(num, 2, 0, rng.choice((2, 2, 2, 3, 6))) for num in numbers]
            account = "acme" if n % 5 else "other"
            record(engine, Observations(account, later, statuses={rid: final}))
    calls = []
    for _ in range(200):
        outcome, status, code = rng.choice((("ok", 200, None),) * 3 + FAILURES)
        calls.append(
            ApiCallRecord(
                rng.choice(("RequestStatus", "RequestList")),
                now - timedelta(seconds=rng.randrange(days * 86400)),
                rng.uniform(3, 900),
                outcome,
                status,
                code,
                None if outcome == "ok" else "failure",
            )
        )
    record(engine, Observations("acme", now, api_calls=calls))


def rows(data: pd.DataFrame) -> list[tuple[str, ...]]:
    """A frame's rows in a fixed order (rows tied on the sort key may come in any order)."""
    return sorted(tuple(row) for row in data.astype(str).to_numpy())


def figures(engine: Engine, f: Filters, seconds: int, zone: str) -> tuple[Any, ...]:
    k = overview.kpis(engine, f)
    table = errors.error_table(engine, f)
    return (
        (k.messages, k.delivered, k.failed, k.pending, k.gave_up, k.calls, k.call_errors),
        *map(
            rows,
            (
                overview.receipt_distribution(engine, f),
                overview.request_state_distribution(engine, f),
                overview.outcome_over_time(engine, f, seconds, zone),
                errors.errors_over_time(engine, f, seconds, zone),
                insights.receipt_coverage(engine, f, zone),
                table.drop(columns=["share"]),
                backlog.time_to_final(engine, f),
                health.latency(engine, f),
                health.calls_over_time(engine, f, seconds),
                history.backlog_over_time(engine, f, seconds, zone),
            ),
        ),
        messages.count(engine, messages.MessageQuery(f, finality="final")),
    )


def three_ways(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], tuple[Any, ...]]
) -> tuple[Any, ...]:
    """The figures through day rollups; they must equal the hours-only and raw-only ones."""
    through_days = read()
    monkeypatch.setattr(parts, "DAYS", False)
    assert read() == through_days, "day rollups differ from hourly rollups"
    monkeypatch.setattr(split, "ROLLUPS", False)
    assert read() == through_days, "rollups differ from raw rows"
    return through_days


# UTC, Prague (UTC+1: a day row keeps its start), New York (UTC-5: its end)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Prague", "America/New_York"])
def test_a_week_of_local_days_reads_the_same_through_days_hours_and_raw_rows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    fill(engine)
    start, _now = preset_range(NOW, timedelta(days=7), ZoneInfo(zone))
    f = Filters(start, NOW + timedelta(seconds=1))
    result = three_ways(monkeypatch, lambda: figures(engine, f, 86400, zone))
    assert result[0][0] > 60, "the week holds most of the messages"
    assert len(result[3]) >= 7, "a bucket per local day"


# A month holding a clock change: the autumn ones (Prague 25 October, New York 1 November)
# and the spring ones (New York 14 March, Prague 28 March); Kolkata has none.
@pytest.mark.parametrize("zone", ["Europe/Prague", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "now",
    [datetime(2026, 11, 3, 14, 17, 7, tzinfo=UTC), datetime(2027, 3, 30, 10, 17, 7, tzinfo=UTC)],
    ids=["autumn", "spring"],
)
def test_a_month_across_a_clock_change_reads_the_same_through_days_hours_and_raw_rows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, zone: str, now: datetime
) -> None:
    fill(engine, days=33, requests=120, now=now)
    tz = ZoneInfo(zone)
    start, _now = preset_range(now, timedelta(days=30), tz)
    f = Filters(start, now + timedelta(seconds=1))
    result = three_ways(monkeypatch, lambda: figures(engine, f, 86400, zone))
    days = {datetime.fromisoformat(row[0]) for row in result[3]}  # outcome over time
    assert len(days) >= 28, "a bucket per local day"
    assert all(d.astimezone(tz).time() == time() and d >= start for d in days)


@pytest.mark.parametrize(
    ("start", "end", "narrow"),
    [
        (timedelta(days=8, minutes=17), timedelta(minutes=-3), {}),
        (timedelta(days=90), timedelta(seconds=1), {"sender": "Bank"}),
        (timedelta(days=3, hours=5, seconds=7), timedelta(days=1, hours=2), {"account": "acme"}),
        (timedelta(days=2), timedelta(days=1), {"gateway": "economy"}),
    ],
    ids=["partial-edges", "ninety-days-by-sender", "by-account", "whole-days"],
)
def test_custom_ranges_with_partial_hours_read_exactly(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    start: timedelta,
    end: timedelta,
    narrow: dict[str, str],
) -> None:
    fill(engine)
    f = Filters(NOW - start, NOW - end, **narrow)
    three_ways(monkeypatch, lambda: figures(engine, f, 86400, "UTC"))


def test_a_long_range_reads_day_rows_not_every_hour(engine: Engine) -> None:
    fill(engine)
    with engine.connect() as conn:
        days = conn.execute(select(func.count()).select_from(RollupOutcomesDay)).scalar_one()
        hours = conn.execute(select(func.count()).select_from(RollupOutcomes)).scalar_one()
    assert 0 < days < hours
    added, taken = parts.rollup_queries(
        RollupOutcomes,
        RollupOutcomes.messages,
        [RollupOutcomes.status],
        [],
        (int((NOW - timedelta(days=30)).timestamp()) // 3600 * 3600, int(NOW.timestamp())),
        None,
    )
    sql = [str(q) for q in added]
    assert any("rollup_outcomes_day" in s for s in sql) and not taken


def test_a_month_across_a_clock_change_reads_day_rows_and_only_the_change_day_by_the_hour() -> None:
    now = datetime(2026, 11, 3, 14, 17, 7, tzinfo=UTC)
    tz = ZoneInfo("Europe/Prague")
    start, _now = preset_range(now, timedelta(days=30), tz)
    step = buckets(Filters(start, now), 86400, "Europe/Prague")
    first, end = int(start.timestamp()), int(now.timestamp()) // 3600 * 3600
    plan = parts._plan(step.pieces, first, end)
    days = sum(b - a for ranges in plan.days.values() for a, b in ranges) // 86400
    hours = sum(b - a for a, b in plan.hours) // 3600
    assert days >= 27, "the month is read from day rows"
    # The 25-hour Sunday (22:00 UTC on the 24th to 23:00 UTC on the 25th) from its hours,
    # next to the hours before midnight UTC on either side of it and at the range's ends.
    change = (
        int(datetime(2026, 10, 24, 22, tzinfo=UTC).timestamp()),
        int(datetime(2026, 10, 25, 23, tzinfo=UTC).timestamp()),
    )
    assert any(a <= change[0] and change[1] <= b for a, b in plan.hours)
    assert hours <= 25 + 2 * 24
    added, taken = parts.rollup_queries(
        RollupOutcomes,
        RollupOutcomes.messages,
        [step.expr(RollupOutcomes.hour).label("bucket")],
        [],
        (first, end),
        step,
    )
    assert sum("rollup_outcomes_day" in str(q) for q in added) == 1 and len(taken) == 1
