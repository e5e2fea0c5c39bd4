"""Error queries: failed API calls over time and by code, client and server faults apart."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from db.codes import error_info
from db.models import ApiCall
from db.read.filters import Filters, bucket, frame, to_times

OUTCOME_LABELS = {
    "timeout": "timeout",
    "connection": "connection failed",
    "unparseable": "unparseable answer",
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


def errors_over_time(
    engine: Engine, filters: Filters, seconds: int, offset: int = 0
) -> pd.DataFrame:
    """bucket, outcome, http_status, error_code, family, side, calls."""
    slot = bucket(ApiCall.started_at, seconds, offset).label("bucket")
    query = (
        select(
            slot,
            ApiCall.outcome,
            ApiCall.http_status,
            ApiCall.error_code,
            func.count().label("calls"),
        )
        .where(ApiCall.outcome != "ok", *filters.calls())
        .group_by(slot, ApiCall.outcome, ApiCall.http_status, ApiCall.error_code)
        .order_by(slot)
    )
    data = frame(engine, query)
    data["bucket"] = to_times(data["bucket"])
    return _labelled(data)


def error_table(engine: Engine, filters: Filters) -> pd.DataFrame:
    """One row per (code, HTTP status, outcome): calls, share of failures, first and last seen."""
    query = (
        select(
            ApiCall.error_code,
            ApiCall.http_status,
            ApiCall.outcome,
            func.count().label("calls"),
            func.min(ApiCall.started_at).label("first_seen"),
            func.max(ApiCall.started_at).label("last_seen"),
        )
        .where(ApiCall.outcome != "ok", *filters.calls())
        .group_by(ApiCall.error_code, ApiCall.http_status, ApiCall.outcome)
        .order_by(func.count().desc())
    )
    data = frame(engine, query)
    total = data["calls"].sum()
    data["share"] = data["calls"] / total if total else 0.0
    for column in ("first_seen", "last_seen"):
        data[column] = pd.to_datetime(data[column], utc=True)
    return _labelled(data)
