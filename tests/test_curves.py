"""Completion curves of a range and the requests incomplete for their kind, on SQLite and
PostgreSQL, against curves and percentiles the tests work out from the seeded requests."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, event, select

from db.models import Message
from db.read import curves, late, parts, split
from db.read.filters import Filters
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record

NOW = datetime(2026, 11, 20, 12, 30, 0, tzinfo=UTC)
FALLBACK = timedelta(minutes=30)
NEVER = None


def request(
    engine: Engine,
    rid: str,
    created: datetime,
    finals: list[int | None],
    gateway: str = "high",
    sender: str = "MyShop",
) -> None:
    """Numbers that reach a final receipt the given seconds after creation (None: never)."""
    listed = RequestRecord(rid, gateway, created, None, sender, None, 2)
    numbers = [f"420777{i:06d}" for i in range(len(finals))]
    pending = [NumberRecord(n, 2, 1, 1) for n in numbers]
    first = created + timedelta(seconds=5)
    record(engine, Observations("acme", first, listed=[listed], statuses={rid: pending}))
    for delay in sorted({d for d in finals if d is not None}):
        done = [
            NumberRecord(n, 2, 1, 2) for n, d in zip(numbers, finals, strict=True) if d == delay
        ]
        at = created + timedelta(seconds=delay)
        record(engine, Observations("acme", at, statuses={rid: done}))


@pytest.fixture(params=[True, False], ids=["rollups", "raw"])
def rollups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(split, "ROLLUPS", request.param)
    return bool(request.param)


# seconds to each number's final state, all on the rounding grid (10 s, 30 s, 1, 2, 5 min...)
SEED: dict[str, dict[str, list[int | None]]] = {
    "high": {
        "h1": [60, 300],
        "h2": [30, 60, 600, NEVER],
        "h3": [120],
        "h4": [10, 1800, 3600],
        "h5": [NEVER, NEVER],
    },
    "economy": {
        "e1": [600],
        "e2": [60, 120],
        "e3": [30, 30, 30, 30, 7200],
    },
}


def level_time(finals: list[int | None], level: int) -> float:
    """When ``level`` % of the numbers were final: the k-th final, k = ceil(level % of n)."""
    done = sorted(d for d in finals if d is not None)
    k = math.ceil(len(finals) * level / 100)
    return done[k - 1] if k <= len(done) else math.inf


def across(times: list[float], q: float) -> float | None:
    """The time by which a share ``q`` of the requests had got there (inf: never)."""
    value = sorted(times)[math.ceil(q * len(times)) - 1]
    return None if value == math.inf else value


def seed_curves(engine: Engine) -> None:
    for i, (gateway, requests) in enumerate(SEED.items()):
        for j, (rid, finals) in enumerate(requests.items()):
            created = NOW - timedelta(hours=5 + i, minutes=7 * j)
            request(engine, rid, created, finals, gateway=gateway)


RANGES = {
    "24h": Filters(NOW - timedelta(hours=24), NOW),
    # whole UTC days in the middle: read from the day rollup
    "3 days": Filters(NOW - timedelta(days=3, minutes=10), NOW),
}


@pytest.mark.parametrize("span", RANGES)
def test_gateway_curves_are_the_median_and_p90_of_the_requests_times_to_each_share(
    engine: Engine, rollups: bool, span: str
) -> None:
    seed_curves(engine)
    found = curves.gateway_curves(engine, RANGES[span])
    assert set(found["gateway"]) == set(SEED)
    for gateway, requests in SEED.items():
        rows = found[found["gateway"] == gateway].set_index("level")
        assert list(rows.index) == pytest.approx([x / 10 for x in range(1, 11)])
        for level in range(10, 101, 10):
            times = [level_time(f, level) for f in requests.values()]
            row = rows.loc[rows.index[level // 10 - 1]]
            assert row["requests"] == len(requests)
            assert row["median_seconds"] == across(times, 0.5), (gateway, level)
            assert row["p90_seconds"] == across(times, 0.9), (gateway, level)


def test_the_high_gateway_curve_by_hand() -> None:
    """The oracle itself, worked out on paper for one share: 50 % of the numbers final at
    h1 60 s, h2 60 s, h3 120 s, h4 1800 s, h5 never -> median 120 s, p90 never."""
    times = [level_time(f, 50) for f in SEED["high"].values()]
    assert times == [60, 60, 120, 1800, math.inf]
    assert (across(times, 0.5), across(times, 0.9)) == (120, None)


def test_gateway_curves_round_times_up_to_the_next_step_and_follow_the_filters(
    engine: Engine, rollups: bool
) -> None:
    request(engine, "odd", NOW - timedelta(hours=2), [61, 301], gateway="lowcost")
    seed_curves(engine)
    window = RANGES["24h"]
    found = curves.gateway_curves(engine, replace(window, gateway="lowcost"))
    assert set(found["gateway"]) == {"lowcost"}
    # 61 s counts as "final by 2 min", 301 s as "by 10 min" (the grid has 5 then 10 min)
    assert list(found["median_seconds"]) == [120] * 5 + [600] * 5
    assert curves.gateway_curves(engine, replace(window, account="other")).empty
    assert curves.gateway_curves(engine, replace(window, sender="Nobody")).empty


def test_a_request_first_seen_before_the_range_is_left_out(engine: Engine) -> None:
    request(engine, "before", NOW - timedelta(hours=30), [60])
    request(engine, "inside", NOW - timedelta(hours=3), [600])
    found = curves.gateway_curves(engine, RANGES["24h"])
    assert set(found["requests"]) == {1}
    assert set(found["median_seconds"]) == {600}


def test_the_day_rollup_and_the_hours_give_the_same_curves(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_curves(engine)
    with_days = curves.gateway_curves(engine, RANGES["3 days"])
    monkeypatch.setattr(parts, "DAYS", False)
    assert with_days.equals(curves.gateway_curves(engine, RANGES["3 days"]))


# -- not complete after the cohort's p95 ---------------------------------------------------


def test_requests_still_incomplete_past_their_cohort_p95_or_the_fallback_are_listed(
    engine: Engine,
) -> None:
    # high/Bank: 60 final one-number requests, 56 within 5 s, 4 after 10 min
    delays = [5] * 56 + [600] * 4
    for n, (delay, count) in enumerate(sorted(Counter(delays).items())):
        for i in range(count):
            request(engine, f"a{n}-{i}", NOW - timedelta(hours=3), [delay], "high", "Bank")
    p95 = sorted(delays)[math.ceil(0.95 * len(delays)) - 1]  # 600 s, by hand
    # economy/Bank: 10 final messages, too few for a p95 of its own: the fixed 30 min apply
    request(engine, "b", NOW - timedelta(hours=3), [5] * 10, "economy", "Bank")

    def incomplete(rid: str, age: timedelta, finals: list[int | None], gateway: str) -> None:
        request(engine, rid, NOW - age, finals, gateway, "Bank")

    incomplete("late_a", timedelta(minutes=20), [60, NEVER, NEVER], "high")  # 1200 s > 600
    incomplete("young_a", timedelta(minutes=5), [NEVER, NEVER], "high")
    incomplete("done_a", timedelta(minutes=20), [60, 120], "high")
    incomplete("late_b", timedelta(minutes=40), [NEVER], "economy")  # 2400 s > 1800
    incomplete("young_b", timedelta(minutes=20), [NEVER, 60], "economy")  # not its 5 s

    window = Filters(NOW - timedelta(hours=24), NOW)
    rows, total = curves.incomplete_requests(engine, window, NOW, FALLBACK)
    assert total == 2
    # oldest for its kind first: 1200 / 600 = 2.0, then 2400 / 1800 = 1.33
    assert list(rows["request_id"]) == ["late_a", "late_b"]
    assert list(rows["gateway"]) == ["high", "economy"]
    assert list(rows["sender"]) == ["Bank", "Bank"]
    assert list(rows["numbers"]) == [3, 1]
    assert list(rows["final"]) == [1, 0]
    assert list(rows["age_seconds"]) == [1200, 2400]
    assert list(rows["limit_seconds"]) == [p95, FALLBACK.total_seconds()]
    assert list(rows["cohort"]) == [True, False]

    narrowed, n = curves.incomplete_requests(
        engine, replace(window, gateway="economy"), NOW, FALLBACK
    )
    assert n == 1 and list(narrowed["request_id"]) == ["late_b"]
    earlier = Filters(NOW - timedelta(hours=24), NOW - timedelta(minutes=30))
    outside, n = curves.incomplete_requests(engine, earlier, NOW, FALLBACK)
    assert n == 1 and list(outside["request_id"]) == ["late_b"]  # late_a: after the range


def seed_backlog(engine: Engine) -> None:
    """Kinds with their own p95 and without, and pending requests of every sort around it."""
    for i in range(60):  # high/Bank: 57 final within 10 s, 3 after 5 min -> p95 10 s
        request(engine, f"base-{i}", NOW - timedelta(hours=4), [10 if i < 57 else 300], "high")
    for i in range(60):  # lowcost/Courier: p95 20 min
        delay = 30 if i < 50 else 1200
        request(engine, f"slow-{i}", NOW - timedelta(hours=4), [delay], "lowcost", "Courier")
    pending: list[tuple[str, int, list[int | None], str, str]] = [
        ("p-many", 40, [5, NEVER, NEVER, NEVER], "high", "Bank"),  # 3 of 4 awaited
        ("p-young", 0, [NEVER], "high", "Bank"),  # under its p95 at NOW: not late yet
        ("p-courier-young", 10, [NEVER, 60], "lowcost", "Courier"),  # under 20 min
        ("p-courier-old", 90, [NEVER, 60], "lowcost", "Courier"),
        ("p-fallback", 45, [NEVER], "economy", "Bank"),  # no p95: the fixed 30 min
        ("p-fallback-young", 20, [NEVER, NEVER], "economy", "Bank"),
        ("p-done", 50, [5, 10], "high", "Bank"),  # complete: never listed
        ("p-old", 60 * 30, [NEVER, 5], "high", "Bank"),  # first seen before a 24 h range
        ("p-unknown-sender", 120, [NEVER], "high", "Nobody"),
    ]
    for rid, minutes, finals, gateway, sender in pending:
        # created a little before now, so the youngest are still within their kind's p95
        at = NOW - timedelta(minutes=minutes, seconds=6)
        request(engine, rid, at, finals, gateway, sender)


def incomplete_by_hand(
    engine: Engine, window: Filters, now: datetime, fallback: timedelta
) -> tuple[pd.DataFrame, int]:
    """incomplete_requests() worked out from every raw message in Python."""
    known = late.cohorts(engine, window, now)
    with engine.connect() as conn:
        columns = ("account", "request_id", "gateway", "sender", "created_at", "first_seen_at")
        more = ("final_at", "gave_up_at")
        messages = conn.execute(select(*(getattr(Message, c) for c in (*columns, *more)))).all()
    stamp = int(now.timestamp())

    def limit(gateway: str, sender: str) -> int:
        found = known.get((gateway, sender))
        if found is None or found.p95 is None:
            return int(fallback.total_seconds())
        return max(int(found.p95), 1)

    requests: dict[tuple[str, str], dict[str, Any]] = {}
    for m in messages:
        key = (m.account, m.request_id)
        entry = requests.setdefault(key, {"numbers": 0, "final": 0, "late": []})
        entry["numbers"] += 1
        entry["final"] += m.final_at is not None
        gateway, sender = m.gateway or "", m.sender or ""
        age = stamp - int((m.created_at or m.first_seen_at).timestamp())
        pending = m.final_at is None and m.gave_up_at is None
        inside = window.start <= m.first_seen_at < window.end
        scoped = all(
            value is None or value == have
            for value, have in (
                (window.account, m.account),
                (window.sender, m.sender),
                (window.gateway, m.gateway),
            )
        )
        if pending and inside and scoped and age > limit(gateway, sender):
            entry["late"].append((gateway, sender, age, limit(gateway, sender)))
    rows = []
    for (account, rid), entry in requests.items():
        if not entry["late"]:
            continue
        gateway = max(g for g, *_ in entry["late"])
        sender = max(s for _, s, *_ in entry["late"])
        age = max(a for *_, a, _ in entry["late"])
        most = max(lim for *_, lim in entry["late"])
        rows.append(
            (account, rid, gateway, sender, entry["numbers"], entry["final"], age, float(most))
        )
    rows.sort(key=lambda r: (-r[6] / r[7], r[0], r[1]))
    columns = ["account", "request_id", "gateway", "sender", "numbers", "final"]
    table = pd.DataFrame(rows, columns=[*columns, "age_seconds", "limit_seconds"])
    table["cohort"] = [
        late.own_p95(known, g, s) for g, s in zip(table["gateway"], table["sender"], strict=True)
    ]
    return table, len(rows)


@pytest.mark.parametrize(
    "window",
    [
        Filters(NOW - timedelta(hours=24), NOW),
        Filters(NOW - timedelta(days=7), NOW),
        Filters(NOW - timedelta(hours=24), NOW - timedelta(minutes=42)),
        Filters(NOW - timedelta(hours=24), NOW, gateway="high"),
        Filters(NOW - timedelta(hours=24), NOW, sender="Courier"),
        Filters(NOW - timedelta(hours=24), NOW, account="other"),
    ],
    ids=["24h", "7d", "ends-earlier", "gateway", "sender", "other-account"],
)
def test_the_incomplete_requests_are_those_a_walk_of_every_raw_message_finds(
    engine: Engine, window: Filters
) -> None:
    seed_backlog(engine)
    expected, count = incomplete_by_hand(engine, window, NOW, FALLBACK)
    found, total = curves.incomplete_requests(engine, window, NOW, FALLBACK)
    assert total == count
    pd.testing.assert_frame_equal(
        found.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )
    assert count or window.account == "other"


def test_the_incomplete_requests_read_the_backlog_from_its_index_alone(
    sqlite_url: str,
) -> None:
    from db.engine import make_engine
    from db.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed_backlog(engine)
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        curves.incomplete_requests(engine, Filters(NOW - timedelta(days=7), NOW), NOW, FALLBACK)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    backlog = [(s, p) for s, p in statements if "messages.final_at IS NULL" in s]
    assert len(backlog) == 2, statements
    with engine.connect() as conn:
        table = conn.exec_driver_sql(
            "SELECT rootpage FROM sqlite_master WHERE name = 'messages'"
        ).scalar_one()
        for statement, parameters in backlog:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            assert "USING INDEX ix_messages_backlog " in " ".join(str(r[-1]) for r in plan)
            # EXPLAIN QUERY PLAN does not say "covering" for a partial index whose condition
            # names columns outside it; the bytecode shows that no column is read from the
            # table, so its deferred seek never happens
            code = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            cursors = {r[2] for r in code if r[1] == "OpenRead" and r[3] == table}
            assert cursors, code
            assert not [r for r in code if r[1] == "Column" and r[2] in cursors], code
