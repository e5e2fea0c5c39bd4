"""The dashboard's queries on SQLite and PostgreSQL, checked against the seed's own truth."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine

from db.read import backlog, errors, health, history, messages, meta, overview, split
from db.read.filters import Filters, bucket_seconds, sliding_start
from db.records import ApiCallRecord, NumberRecord, Observations
from db.write import record
from tests.seed import CALLS, MESSAGES, in_range, seed


@pytest.fixture(params=[True, False], ids=["rollups", "raw"])
def seeded(
    engine: Engine, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[Engine, datetime]:
    """The seed, read through the rollups and, for comparison, from the raw tables only."""
    monkeypatch.setattr(split, "ROLLUPS", request.param)
    return engine, seed(engine)


def day(now: datetime, **narrow: str) -> Filters:
    return Filters(now - timedelta(hours=24), now + timedelta(seconds=1), **narrow)


def test_an_empty_database_reads_as_empty_not_as_an_error(engine: Engine) -> None:
    assert meta.database_state(engine) == "empty"
    now = datetime.now().astimezone()
    k = overview.kpis(engine, day(now))
    assert (k.messages, k.pending, k.error_rate, k.share(0)) == (0, 0, None, None)
    assert overview.outcome_over_time(engine, day(now), 3600).empty
    assert history.backlog_over_time(engine, day(now), 3600).empty
    assert backlog.time_to_final(engine, day(now)).empty
    assert health.runway(engine, None, now).credit is None


@pytest.mark.parametrize(
    "narrow", [{}, {"account": "acme"}, {"sender": "MyShop"}, {"gateway": "economy"}]
)
def test_kpis_equal_the_seeded_truth(
    seeded: tuple[Engine, datetime], narrow: dict[str, str]
) -> None:
    engine, now = seeded
    truth = Counter(m.outcome for m in in_range(**narrow))
    k = overview.kpis(engine, day(now, **narrow))
    assert k.messages == sum(truth.values())
    assert (k.delivered, k.failed, k.pending, k.gave_up) == (
        truth["delivered"],
        truth["failed"],
        truth["pending"],
        truth["gave_up"],
    )
    oldest = max(
        (m.minutes_ago for m in in_range(**narrow) if m.outcome == "pending"), default=None
    )
    if oldest is not None:
        assert k.oldest_pending == now - timedelta(minutes=oldest)


def test_the_previous_period_holds_the_older_messages(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    before = overview.kpis(engine, day(now).previous())
    older = [m for m in MESSAGES if 24 * 60 <= m.minutes_ago < 48 * 60]
    assert before.messages == len(older)
    assert before.delivered == sum(m.outcome == "delivered" for m in older)


def test_api_error_rate_counts_every_failed_call(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    k = overview.kpis(engine, day(now))
    assert k.calls == sum(c.count for c in CALLS)
    assert k.call_errors == sum(c.count for c in CALLS if c.outcome != "ok")


def test_distributions_count_each_code(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    states = overview.request_state_distribution(engine, day(now))
    receipts = overview.receipt_distribution(engine, day(now))
    assert dict(zip(states["code"], states["messages"], strict=True)) == Counter(
        m.request_state for m in in_range()
    )
    assert dict(zip(receipts["code"], receipts["messages"], strict=True)) == Counter(
        m.receipt for m in in_range()
    )


def test_outcome_over_time_adds_up_to_the_kpis(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    series = overview.outcome_over_time(engine, day(now), 3600)
    truth = Counter(m.outcome for m in in_range())
    for outcome in ("delivered", "failed", "pending", "gave_up"):
        assert series[outcome].sum() == truth[outcome]
    hours = {(int(now.timestamp()) - m.minutes_ago * 60) // 3600 for m in in_range()}
    assert len(series) == len(hours)  # one bucket per hour that saw messages


@pytest.mark.parametrize(
    ("before", "after", "sides", "outside"),
    [
        # 12:20–13:40 holds one seed message; 12:00–12:20 and 13:40–14:00 hold three each
        (timedelta(minutes=117), timedelta(minutes=-37), 2, 6),
        # the last 24 hours: 43 minutes of the first hour are in, so it is read whole
        (timedelta(hours=24), timedelta(seconds=1), 1, 0),
    ],
    ids=["rows-outside-both-ends", "last-24-hours"],
)
def test_partial_hours_read_as_whole_hours_minus_the_outside_are_exact(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    before: timedelta,
    after: timedelta,
    sides: int,
    outside: int,
) -> None:
    now = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
    seed(engine, now)
    window = Filters(now - before, now + after)
    seen = [(m, now - timedelta(minutes=m.minutes_ago)) for m in MESSAGES]
    truth = Counter(m.outcome for m, at in seen if window.start <= at < window.end)
    newest = max(at for _m, at in seen)
    parts = split.split(window, newest=int(newest.timestamp()))
    assert len(parts.outside) == sides
    assert outside == sum(any(p.start <= at < p.end for p in parts.outside) for _m, at in seen)

    def figures() -> tuple[object, ...]:
        k = overview.kpis(engine, window)
        receipts = overview.receipt_distribution(engine, window)
        series = overview.outcome_over_time(engine, window, 3600)
        return (
            (k.messages, k.delivered, k.failed, k.pending, k.gave_up, k.calls),
            dict(zip(receipts["code"], receipts["messages"], strict=True)),
            series.to_dict("list"),
            backlog.time_to_final(engine, window).to_dict("list"),
        )

    through_rollups = figures()
    monkeypatch.setattr(split, "ROLLUPS", False)
    assert figures() == through_rollups
    counts = through_rollups[0]
    assert counts[0] == sum(truth.values())
    assert counts[1:5] == tuple(truth[o] for o in ("delivered", "failed", "pending", "gave_up"))


def backlog_truth(now: datetime, at: int) -> int:
    """Seed messages not final at ``at``: first seen before it, and not left by then."""
    count = 0
    for m in MESSAGES:
        seen = int(now.timestamp()) - m.minutes_ago * 60
        left = None if m.outcome == "pending" else seen + (0 if m.request_state == 4 else 40)
        count += seen < at and (left is None or left >= at)
    return count


@pytest.mark.parametrize("seconds", [300, 3600])
def test_the_backlog_over_time_equals_the_seeded_truth_at_every_bucket_end(
    seeded: tuple[Engine, datetime], seconds: int
) -> None:
    engine, now = seeded
    series = history.backlog_over_time(engine, day(now), seconds)
    ends = [int(b.timestamp()) + seconds for b in series["bucket"]]
    assert list(series["not_final"]) == [backlog_truth(now, t) for t in ends]
    assert series["not_final"].iloc[-1] == sum(m.outcome == "pending" for m in in_range())
    outcomes = series[["delivered", "failed", "pending", "gave_up"]].sum(axis=1)
    assert list(outcomes) == list(series["not_final"])
    assert series["pending"].iloc[-1] == series["not_final"].iloc[-1]


@pytest.mark.parametrize("seconds", [300, 3600])
def test_the_age_heatmap_counts_the_same_messages_as_the_backlog(
    seeded: tuple[Engine, datetime], seconds: int
) -> None:
    engine, now = seeded
    heat = history.aging_heatmap(engine, day(now), seconds)
    series = history.backlog_over_time(engine, day(now), seconds)
    per_bucket = heat.groupby("bucket")["messages"].sum()
    expected = series.set_index("bucket")["not_final"]
    assert per_bucket.reindex(expected.index, fill_value=0).tolist() == expected.tolist()
    assert set(heat["age"]) <= {label for label, _limit in history.AGE_BUCKETS}


def test_aging_buckets_hold_each_pending_message_once(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    ages = backlog.aging(engine, day(now), now)
    pending = [m for m in in_range() if m.outcome == "pending"]
    assert ages["messages"].sum() == len(pending)
    by_age = ages.groupby("age")["messages"].sum().to_dict()
    assert by_age == {"2–24 h": 1, "30 min–2 h": 2}


def test_stuck_lists_pending_messages_older_than_the_threshold_oldest_first(
    seeded: tuple[Engine, datetime],
) -> None:
    engine, now = seeded
    stuck = backlog.stuck(engine, day(now), timedelta(minutes=60), now)
    assert list(stuck["number"]) == ["420601000203"]
    assert stuck["age_seconds"].iloc[0] == 120 * 60
    everything = backlog.stuck(engine, day(now), timedelta(0), now)
    assert list(everything["request_id"]) == ["1002", "1003", "1003"]


def test_a_timeline_lists_the_changes_of_one_message(seeded: tuple[Engine, datetime]) -> None:
    engine, _now = seeded
    changes = backlog.timeline(engine, "acme", "1001", "420777000103")
    receipts = changes[changes["kind"] == "receipt"]
    pairs = [
        (None if pd.isna(o) else int(o), int(n))
        for o, n in zip(receipts["old_code"], receipts["new_code"], strict=True)
    ]
    assert pairs == [(None, 0), (0, 3)]
    assert set(changes["number"].dropna()) == {"420777000103"}


def test_time_to_final_is_measured_from_creation_per_gateway(
    seeded: tuple[Engine, datetime],
) -> None:
    engine, now = seeded
    speed = backlog.time_to_final(engine, day(now)).set_index(["gateway", "measure"])
    finals = Counter(m.gateway for m in in_range() if m.outcome in ("delivered", "failed"))
    for gateway, n in finals.items():
        row = speed.loc[(gateway, "final")]
        assert row["messages"] == n
        assert row["p50"] <= row["p90"] <= row["p99"]
    # created 20 s before first seen; a final state was seen 40 s later (state 4 at first sight)
    assert speed.loc[("high", "final"), "p50"] == 60
    # economy: 20 s (failed at first sight), 60 s and 60 s
    assert speed.loc[("economy", "final"), "p50"] == 60


def test_errors_are_grouped_by_code_with_9xx_as_a_family(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    table = errors.error_table(engine, day(now))
    counted = table.groupby(["family", "side"])["calls"].sum().to_dict()
    assert counted == {
        ("9xx", "server"): 4,
        ("HTTP 503", "server"): 2,
        ("timeout", "server"): 1,
        ("connection failed", "server"): 1,
        ("103", "client"): 2,
        ("unparseable answer", "server"): 1,
    }
    assert len(table[table["family"] == "9xx"]) == 2  # 912 and 950 keep their own rows
    assert table["calls"].sum() == sum(c.count for c in CALLS if c.outcome != "ok")
    assert abs(table["share"].sum() - 1) < 1e-9
    series = errors.errors_over_time(engine, day(now), 3600)
    assert series.groupby("family")["calls"].sum()["9xx"] == 4


def test_keyset_pages_cover_every_row_once(seeded: tuple[Engine, datetime]) -> None:
    engine, now = seeded
    query = messages.MessageQuery(day(now))
    seen: list[str] = []
    key = None
    while True:
        rows, key = messages.page(engine, query, key, size=4)
        seen += list(rows["number"])
        if key is None:
            break
    assert sorted(seen) == sorted(m.number for m in in_range())
    assert messages.count(engine, query) == len(in_range())


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"finality": "not_final"}, lambda m: m.outcome == "pending"),
        ({"finality": "gave_up"}, lambda m: m.outcome == "gave_up"),
        ({"receipt_state": 2}, lambda m: m.receipt == 2),
        ({"request_id": "1003"}, lambda m: m.request_id == "1003"),
        ({"number": "000 30"}, lambda m: "00030" in m.number),
    ],
)
def test_message_filters_and_csv_return_exactly_the_filtered_rows(
    seeded: tuple[Engine, datetime], options: dict[str, object], expected: object
) -> None:
    engine, now = seeded
    query = messages.MessageQuery(day(now), **options)  # type: ignore[arg-type]
    truth = sorted(m.number for m in in_range() if expected(m))  # type: ignore[operator]
    rows, _key = messages.page(engine, query, size=100)
    assert sorted(rows["number"]) == truth
    assert messages.count(engine, query) == len(truth)
    reader = csv.DictReader(io.StringIO(messages.to_csv(engine, query).decode()))
    assert sorted(r["number"] for r in reader) == truth


def test_health_reports_last_calls_latency_and_credit_runway(
    seeded: tuple[Engine, datetime],
) -> None:
    engine, now = seeded
    last = health.last_calls(engine)
    # the seed's newest call of every kind is 20 minutes old
    assert last.last_ok == last.last_error == now - timedelta(minutes=20)
    latency = health.latency(engine, day(now)).set_index("method")
    assert latency["calls"].sum() == sum(c.count for c in CALLS)
    assert latency.loc["RequestStatus", "p50_ms"] <= latency.loc["RequestStatus", "p95_ms"]
    runway = health.runway(engine, "acme", now)
    assert runway.credit == 980.0
    assert runway.spend_per_hour == pytest.approx(20 / 9)
    assert runway.hours_left == pytest.approx(980 / (20 / 9))
    assert len(health.credit_series(engine, day(now), 3600)) == 3
    assert health.calls_over_time(engine, day(now), 60)["calls"].sum() == sum(
        c.count for c in CALLS
    )


def test_filter_options_list_known_accounts_senders_and_gateways(
    seeded: tuple[Engine, datetime],
) -> None:
    engine, _now = seeded
    options = meta.filter_options(engine)
    assert options["account"] == ["acme", "other"]
    assert options["sender"] == sorted({m.sender for m in MESSAGES})
    assert options["gateway"] == sorted({m.gateway for m in MESSAGES})


@pytest.mark.parametrize(
    ("span", "offset", "step"),
    [
        (timedelta(hours=1), 0, 300),
        (timedelta(hours=24), 0, 3600),
        (timedelta(days=7), 3600, 86400),  # local midnight one hour east of UTC
    ],
)
def test_a_sliding_range_starts_at_its_first_bucket_and_covers_at_least_its_span(
    span: timedelta, offset: int, step: int
) -> None:
    now = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
    start = sliding_start(now, span, offset)
    assert (int(start.timestamp()) + offset) % step == 0
    assert span <= now - start < span + timedelta(seconds=step)
    assert bucket_seconds(Filters(start, now)) == step


def test_the_backlog_age_from_rollup_hours_equals_counting_every_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Old hours come from the rollup, young ones and those straddling 24 h and 72 h of age
    # row by row: ages on both sides of every limit must land where the rows say.
    now = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
    minutes = [3, 10, 25, 40, 100, 130, 181, 359, 1430, 1445, 1800, 4310, 4325, 4800, 6000]
    for i, age in enumerate(minutes):
        at = now - timedelta(minutes=age)
        answer = {str(500 + i): [NumberRecord(f"42077700{i:04d}", 2, 1, 1)]}
        record(engine, Observations("acme", at, statuses=answer))
    limits = [limit for _label, limit in history.AGE_BUCKETS if limit is not None]
    labels = [label for label, _limit in history.AGE_BUCKETS]
    truth = Counter(labels[bisect_right(limits, age * 60)] for age in minutes)

    def by_age() -> dict[str, int]:
        ages = backlog.aging(engine, day(now), now)
        return {k: int(v) for k, v in ages.groupby("age")["messages"].sum().items()}

    assert by_age() == truth
    monkeypatch.setattr(split, "ROLLUPS", False)
    assert by_age() == truth


def test_the_last_error_is_the_newest_failure_of_any_kind(engine: Engine) -> None:
    now = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
    failures = [
        (50, "server_error", 500, 912),
        (40, "client_error", 400, 103),  # the newest failure
        (45, "timeout", None, None),
    ]
    calls = [
        ApiCallRecord("RequestStatus", now - timedelta(minutes=ago), 20.0, kind, status, code)
        for ago, kind, status, code in failures
    ]
    calls += [  # plenty of successes after it
        ApiCallRecord("RequestStatus", now - timedelta(minutes=39, seconds=-i), 20.0, "ok", 200)
        for i in range(300)
    ]
    record(engine, Observations("acme", now, api_calls=calls))
    last = health.last_calls(engine)
    assert last.last_error == now - timedelta(minutes=40)
    assert (last.last_error_outcome, last.last_error_code) == ("client_error", 103)
    assert last.last_ok == now - timedelta(minutes=39, seconds=-299)
