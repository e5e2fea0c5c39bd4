"""The backlog's history at every range equals what the messages' own spans say: rollup rows
past their hour and the last two hours' raw rows are all it needs to read."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, event, select

from dashboard.ranges import custom_range, preset_range
from db.models import Message
from db.read import history, split
from db.read.filters import Filters, bucket_seconds
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record

NOW = datetime(2026, 11, 20, 14, 17, 7, tzinfo=UTC)
ZONE = "Europe/Prague"
SENDERS = ("MyShop", "Bank")
# How long a message waits: within its hour, into the next, across a midnight, for days;
# None: it is still waiting; "gave up": polling stops after five hours.
STAYS: tuple[timedelta | str | None, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=50),
    timedelta(hours=9),
    timedelta(days=2, hours=3),
    None,
    "gave up",
)


def fill(engine: Engine, messages: int = 150) -> None:
    """Messages over 95 days before NOW (a fifth of them in its last two hours)."""
    rng = random.Random(13)
    for n in range(messages):
        back = 7200 if n % 5 == 0 else 95 * 86400
        at = NOW - timedelta(seconds=rng.randrange(back))
        rid, number, sender = f"r{n}", f"42077700{n:04d}", rng.choice(SENDERS)
        listed = RequestRecord(rid, "high", at - timedelta(seconds=9), None, sender, 0, 2)
        waiting = {rid: [NumberRecord(number, 2, 1, 0)]}
        record(engine, Observations("acme", at, listed=[listed], statuses=waiting))
        stay = rng.choice(STAYS)
        later = at + (stay if isinstance(stay, timedelta) else timedelta(hours=5))
        if stay is None or later >= NOW:
            continue
        if stay == "gave up":
            record(engine, Observations("acme", later, statuses=waiting, schedule=lambda _: None))
        else:
            final = {rid: [NumberRecord(number, 2, 0, rng.choice((2, 2, 3)))]}
            record(engine, Observations("acme", later, statuses=final))


def ranges() -> dict[str, Filters]:
    tz = ZoneInfo(ZONE)
    found = {
        name: Filters(*preset_range(NOW, span, tz))
        for name, span in (
            ("1h", timedelta(hours=1)),
            ("24h", timedelta(hours=24)),
            ("7d", timedelta(days=7)),
            ("30d", timedelta(days=30)),
        )
    }
    today = NOW.astimezone(tz).date()
    found["custom_90d"] = Filters(*custom_range(today - timedelta(days=89), today, tz))
    found["30d_by_sender"] = Filters(*preset_range(NOW, timedelta(days=30), tz), sender="Bank")
    return found


def truth(engine: Engine, f: Filters, ends: list[datetime]) -> dict[str, list[int]]:
    """Per outcome, the messages first seen before each end that had not left by it."""
    m = Message
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.first_seen_at, m.final_at, m.gave_up_at, m.receipt_state).where(
                *f.message_scope()
            )
        ).all()
    counts = {o: [0] * len(ends) for o in history.OUTCOMES}
    for seen, final, gave_up, receipt in rows:
        left = final or gave_up
        if final is not None:
            outcome = "delivered" if receipt == 2 else "failed"
        else:
            outcome = "pending" if gave_up is None else "gave_up"
        for i, at in enumerate(ends):
            counts[outcome][i] += seen < at and (left is None or left >= at)
    return counts


def test_the_backlog_history_at_every_range_counts_what_the_messages_spans_say(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine)
    for name, f in ranges().items():
        series = history.backlog_over_time(engine, f, bucket_seconds(f), ZONE)
        starts = [pd.Timestamp(b).to_pydatetime() for b in series["bucket"]]
        # each bucket is measured at its end, the one still running now
        expected = truth(engine, f, [*starts[1:], f.end])
        for outcome, counts in expected.items():
            assert list(series[outcome]) == counts, (name, outcome)
        assert max(series["not_final"]) > 0, name
        monkeypatch.setattr(split, "ROLLUPS", False)
        raw = history.backlog_over_time(engine, f, bucket_seconds(f), ZONE)
        monkeypatch.setattr(split, "ROLLUPS", True)
        assert raw.equals(series), name


def _statements(engine: Engine, f: Filters) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        history.backlog_history(engine, f, bucket_seconds(f), ZONE)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return statements


def test_a_months_history_reads_the_rollup_rows_past_their_hour_by_their_partial_index(
    engine: Engine,
) -> None:
    fill(engine, messages=20)
    statements = _statements(engine, ranges()["30d"])
    rollups = [(s, p) for s, p in statements if "FROM rollup_outcomes" in s]
    assert len(rollups) == 2, statements
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # a table this small is read whole; the question is whether the index may serve
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in rollups:
            explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            plan = conn.exec_driver_sql(explain + statement, parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "ix_rollup_outcomes_past_hour" in details, details


def test_a_months_history_reads_only_the_raw_exits_of_its_last_two_hours(
    sqlite_url: str,
) -> None:
    from db.engine import make_engine
    from db.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    fill(engine, messages=20)
    young = int(NOW.timestamp()) // 3600 * 3600 - 3600
    raw = [
        (s, p)
        for s, p in _statements(engine, ranges()["30d"])
        if "FROM messages" in s and ("final_at >= ?" in s or "gave_up_at >= ?" in s)
    ]
    assert len(raw) == 2, raw
    for statement, parameters in raw:
        column = "final_at >= ?" if "final_at >= ?" in statement else "gave_up_at >= ?"
        bound = parameters[statement[: statement.index(column)].count("?")]
        assert bound == young, statement
    engine.dispose()
