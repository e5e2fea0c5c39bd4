"""Overview queries: KPI figures, state and receipt distributions, outcome over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, case, func, select

from db.models import ApiCall, Message
from db.read.filters import Filters, bucket, epoch, frame, to_times
from db.types import from_epoch

DELIVERED = and_(Message.final_at.is_not(None), Message.receipt_state == 2)
FAILED = and_(Message.final_at.is_not(None), func.coalesce(Message.receipt_state, -1) != 2)
PENDING = and_(Message.final_at.is_(None), Message.gave_up_at.is_(None))
GAVE_UP = and_(Message.final_at.is_(None), Message.gave_up_at.is_not(None))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Kpis:
    messages: int
    delivered: int
    failed: int
    pending: int
    oldest_pending: datetime | None
    gave_up: int
    calls: int
    call_errors: int

    def share(self, part: int) -> float | None:
        return part / self.messages if self.messages else None

    @property
    def error_rate(self) -> float | None:
        return self.call_errors / self.calls if self.calls else None


def kpis(engine: Engine, filters: Filters) -> Kpis:
    messages = select(
        func.count(),
        _count(DELIVERED),
        _count(FAILED),
        _count(PENDING),
        func.min(case((PENDING, epoch(Message.first_seen_at)))),
        _count(GAVE_UP),
    ).where(*filters.messages())
    calls = select(func.count(), _count(ApiCall.outcome != "ok")).where(*filters.calls())
    with engine.connect() as conn:
        total, delivered, failed, pending, oldest, gave_up = conn.execute(messages).one()
        n_calls, errors = conn.execute(calls).one()
    return Kpis(
        int(total),
        int(delivered),
        int(failed),
        int(pending),
        from_epoch(oldest) if oldest is not None else None,
        int(gave_up),
        int(n_calls),
        int(errors),
    )


def request_state_distribution(engine: Engine, filters: Filters) -> pd.DataFrame:
    """code, messages — one row per request state the messages are in."""
    query = (
        select(Message.request_state.label("code"), func.count().label("messages"))
        .where(*filters.messages())
        .group_by(Message.request_state)
        .order_by(Message.request_state)
    )
    return frame(engine, query)


def receipt_distribution(engine: Engine, filters: Filters) -> pd.DataFrame:
    """code, messages — one row per delivery receipt code."""
    query = (
        select(Message.receipt_state.label("code"), func.count().label("messages"))
        .where(*filters.messages())
        .group_by(Message.receipt_state)
        .order_by(Message.receipt_state)
    )
    return frame(engine, query)


def outcome_over_time(
    engine: Engine, filters: Filters, seconds: int, offset: int = 0
) -> pd.DataFrame:
    """bucket, delivered, failed, pending, gave_up — by when messages were first seen."""
    slot = bucket(Message.first_seen_at, seconds, offset).label("bucket")
    query = (
        select(
            slot,
            _count(DELIVERED).label("delivered"),
            _count(FAILED).label("failed"),
            _count(PENDING).label("pending"),
            _count(GAVE_UP).label("gave_up"),
        )
        .where(*filters.messages())
        .group_by(slot)
        .order_by(slot)
    )
    data = frame(engine, query)
    data["bucket"] = to_times(data["bucket"])
    return data
