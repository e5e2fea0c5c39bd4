"""Error queries: failed API calls over time and by code, client and server faults apart."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from db.codes import error_info
from db.days import DAY
from db.models import ApiCall, RollupCalls
from db.read.buckets import buckets
from db.read.filters import Filters, to_times
from db.read.split import call_counts, split
from db.read.sums import nullable
from db.rollup import HOUR
from db.types import from_epoch

# Every outcome but "ok": an IN list lets the (outcome, started_at) index serve the query.
FAILURES = (
    "client_error",
    "server_error",
    "timeout",
    "connection",
    "unparseable",
    "empty",
    "redirect",
    "too_large",
)
OUTCOME_LABELS = {
    "timeout": "timeout",
    "connection": "connection failed",
    "unparseable": "unparseable answer",
    "empty": "empty RequestStatus",
    "redirect": "redirect refused",
    "too_large": "answer too large",
}


def failure_label(outcome: str, http_status: float | None, code: float | None) -> str:
    """The group a failure is charted in: its code, the 9xx family, or what went wrong."""
    if code is not None and not pd.isna(code):
        code = int(code)
        return "9xx" if 900 <= code <= 999 else str(code)
    if outcome in OUTCOME_LABELS:
        return OUTCOME_LABELS[outcome]
    if http_status is not None and not pd.isna(http_status):
        return f"HTTP {int(http_status)}"
    return outcome


def failure_side(outcome: str, http_status: float | None, code: float | None) -> str:
    """client: the user must act (1xx/2xx); server: the gateway's or the network's fault."""
    if code is not None and not pd.isna(code):
        info = error_info(int(code))
        return "server" if info is None or info.retryable else "client"
    if outcome == "client_error":
        return "client"
    return "server"


def _labelled(data: pd.DataFrame) -> pd.DataFrame:
    cols = zip(data["outcome"], data["http_status"], data["error_code"], strict=True)
    rows = list(cols)
    data["family"] = [failure_label(*r) for r in rows]
    data["side"] = [failure_side(*r) for r in rows]
    return data


def _codes(rollup: bool) -> list[Any]:
    if rollup:
        return [
            RollupCalls.outcome,
            nullable(RollupCalls.http_status, "http_status"),
            nullable(RollupCalls.error_code, "error_code"),
        ]
    return [ApiCall.outcome, ApiCall.http_status, ApiCall.error_code]


def _failed(data: pd.DataFrame) -> pd.DataFrame:
    data = data[data["outcome"] != "ok"].rename(columns={"n": "calls"})
    for column in ("http_status", "error_code"):
        data[column] = pd.to_numeric(data[column]).astype("Int64")
    return data.reset_index(drop=True)


def errors_over_time(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, outcome, http_status, error_code, family, side, calls.

    Day buckets are the local days of the time zone named ``zone``.
    """
    step = buckets(filters, seconds, zone)
    data = _failed(
        call_counts(
            engine,
            filters,
            [step.expr(RollupCalls.hour).label("bucket"), *_codes(True)],
            [step.expr(ApiCall.started_at).label("bucket"), *_codes(False)],
            rollups=step.hourly,
            step=step,
        )
    )
    data = data.sort_values("bucket").reset_index(drop=True)
    data["bucket"] = to_times(data["bucket"].astype("int64"))
    return _labelled(data)


def error_table(engine: Engine, filters: Filters) -> pd.DataFrame:
    """One row per (code, HTTP status, outcome): calls, share of failures, first and last seen."""
    data = _failed(call_counts(engine, filters, _codes(True), _codes(False)))
    data = data.sort_values("calls", ascending=False).reset_index(drop=True)
    total = data["calls"].sum()
    data["share"] = data["calls"] / total if total else 0.0
    seen = _first_and_last(engine, filters)
    keys = list(zip(data["outcome"], data["http_status"], data["error_code"], strict=True))
    data["first_seen"] = pd.to_datetime(
        [seen.get(_key(*k), (None, None))[0] for k in keys], utc=True
    )
    data["last_seen"] = pd.to_datetime(
        [seen.get(_key(*k), (None, None))[1] for k in keys], utc=True
    )
    return _labelled(data)


def _ends(engine: Engine, filters: Filters, seconds: int) -> set[int]:
    """The first and the last bucket with a failure of each kind, over whole hours."""
    step = buckets(filters, seconds)
    slot = step.expr(RollupCalls.hour).label("slot")
    found = call_counts(engine, filters, [*_codes(True), slot], [], step=step)
    found = found[found["outcome"] != "ok"]
    grouped = found.groupby(["outcome", "http_status", "error_code"], dropna=False)["slot"]
    return {int(v) for v in grouped.agg(["min", "max"]).to_numpy().ravel()}


def _hours(engine: Engine, filters: Filters, days: set[int]) -> set[int]:
    """The first and the last hour with a failure of each kind, within the given days."""
    if not days:
        return set()
    r = RollupCalls
    start, end = int(filters.start.timestamp()), int(filters.end.timestamp())
    query = (
        select(func.min(r.hour), func.max(r.hour))
        .where(
            or_(*(and_(r.hour >= max(d, start), r.hour < min(d + DAY, end)) for d in days)),
            r.outcome.in_(FAILURES),
            *([r.account == filters.account] if filters.account else []),
        )
        .group_by(r.outcome, r.http_status, r.error_code)
    )
    with engine.connect() as conn:
        return {int(hour) for row in conn.execute(query) for hour in row}


def _key(outcome: Any, status: Any, code: Any) -> tuple[Any, ...]:
    return (outcome, None if pd.isna(status) else int(status), None if pd.isna(code) else int(code))


def _first_and_last(engine: Engine, filters: Filters) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    """Exact first and last failure per code: rollups find the day, then the hour, raw rows
    the second."""
    parts = split(filters)
    windows = [(e.start, e.end) for e in parts.edges]
    if parts.first_hour is not None and parts.end_hour is not None:
        whole = replace(filters, start=from_epoch(parts.first_hour), end=from_epoch(parts.end_hour))
        days = _ends(engine, whole, DAY)
        # Each kind's first and last hour lie in its first and last day: one query over
        # the union of those days finds them all (other kinds' days lie in between).
        windows += [(from_epoch(h), from_epoch(h + HOUR)) for h in _hours(engine, whole, days)]
    if not windows:
        return {}
    started = ApiCall.started_at
    query = (
        select(*_codes(False), func.min(started), func.max(started))
        .where(
            ApiCall.outcome.in_(FAILURES),
            or_(*(and_(started >= a, started < b) for a, b in windows)),
            *filters.calls(),
        )
        .group_by(*_codes(False))
    )
    with engine.connect() as conn:
        return {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(query)}
