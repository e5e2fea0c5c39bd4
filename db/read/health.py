"""Collector health queries: last successful poll, call rates, latency, credit and its runway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from db.credit import Runway, runway  # noqa: F401 (the health page reads them here)
from db.models import ApiCall, CreditSample, RollupCalls
from db.read.buckets import buckets
from db.read.errors import FAILURES
from db.read.filters import Filters, frame, to_times
from db.read.split import call_counts, percentiles
from db.rollup import latency_sql


@dataclass(frozen=True)
class LastCalls:
    last_ok: datetime | None
    last_call: datetime | None
    last_error: datetime | None
    last_error_outcome: str | None
    last_error_code: int | None
    last_error_detail: str | None
    # RequestStatus calls in the hour before the newest call: how many answered an
    # empty page (outcome "empty") out of all that got an answer.
    status_empty: int = 0
    status_answered: int = 0


EMPTY_WINDOW = timedelta(hours=1)


def _status_answers(
    conn: Connection, scope: list[Any], last_call: datetime | None
) -> tuple[int, int]:
    if last_call is None:
        return 0, 0
    rows = conn.execute(
        select(ApiCall.outcome, func.count())
        .where(
            ApiCall.method == "RequestStatus",
            ApiCall.outcome.in_(("ok", "empty", "unparseable")),
            ApiCall.started_at >= last_call - EMPTY_WINDOW,
            *scope,
        )
        .group_by(ApiCall.outcome)
    ).all()
    counts = {outcome: int(n) for outcome, n in rows}
    return counts.get("empty", 0), sum(counts.values())


def last_calls(engine: Engine, account: str | None = None) -> LastCalls:
    scope = [ApiCall.account == account] if account else []

    def newest(*where: Any) -> Any:
        return select(func.max(ApiCall.started_at)).where(*where, *scope).scalar_subquery()

    # One round trip: the newest call, the newest success and the newest failure of each
    # kind, each its own index probe (walking back from the newest call would read every
    # call since the last failure — a quiet week: all).
    probes = select(
        newest(ApiCall.outcome == "ok"),
        newest(),
        *(newest(ApiCall.outcome == outcome) for outcome in FAILURES),
    )
    with engine.connect() as conn:
        last_ok, last_call, *failures = conn.execute(probes).one()
        empty = _status_answers(conn, scope, last_call)
        latest = [(when, o) for when, o in zip(failures, FAILURES, strict=True) if when is not None]
        error = None
        if latest:
            when, outcome = max(latest)
            error = conn.execute(
                select(ApiCall.started_at, ApiCall.outcome, ApiCall.error_code, ApiCall.detail)
                .where(ApiCall.outcome == outcome, ApiCall.started_at == when, *scope)
                .order_by(ApiCall.id.desc())
                .limit(1)
            ).first()
    if error is None:
        return LastCalls(last_ok, last_call, None, None, None, None, *empty)
    return LastCalls(last_ok, last_call, error[0], error[1], error[2], error[3], *empty)


def calls_over_time(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, method, outcome, calls; day buckets are the local days of ``zone``."""
    step = buckets(filters, seconds, zone)
    data = call_counts(
        engine,
        filters,
        [step.expr(RollupCalls.hour).label("bucket"), RollupCalls.method, RollupCalls.outcome],
        [step.expr(ApiCall.started_at).label("bucket"), ApiCall.method, ApiCall.outcome],
        rollups=step.hourly,
        step=step,
    ).rename(columns={"n": "calls"})
    data = data.sort_values("bucket").reset_index(drop=True)
    data["bucket"] = to_times(data["bucket"].astype("int64"))
    return data


def latency(engine: Engine, filters: Filters) -> pd.DataFrame:
    """method, p50_ms, p95_ms, calls — from a latency histogram (exact below 10 ms)."""
    histogram = call_counts(
        engine,
        filters,
        [RollupCalls.method, RollupCalls.latency_ms.label("ms")],
        [ApiCall.method, latency_sql(ApiCall.duration_ms, engine.dialect.name).label("ms")],
    )
    histograms: dict[str, dict[float, int]] = {}
    for method, ms, n in zip(histogram["method"], histogram["ms"], histogram["n"], strict=True):
        bins = histograms.setdefault(method, {})
        bins[ms] = bins.get(ms, 0) + int(n)
    rows = [
        (m, *percentiles(h, (0.5, 0.95)), sum(h.values())) for m, h in sorted(histograms.items())
    ]
    return pd.DataFrame(rows, columns=["method", "p50_ms", "p95_ms", "calls"])


def credit_series(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, credit — the lowest credit seen in each bucket (local days of ``zone``)."""
    slot = buckets(filters, seconds, zone).expr(CreditSample.observed_at).label("bucket")
    scope = [CreditSample.account == filters.account] if filters.account else []
    query = (
        select(slot, func.min(CreditSample.credit).label("credit"))
        .where(
            CreditSample.observed_at >= filters.start,
            CreditSample.observed_at < filters.end,
            *scope,
        )
        .group_by(slot)
        .order_by(slot)
    )
    data = frame(engine, query)
    data["bucket"] = to_times(data["bucket"])
    return data
