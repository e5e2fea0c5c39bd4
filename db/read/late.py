"""Late messages: not final yet, and older than their cohort (gateway x sender) usually takes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, literal_column, or_, select

from db.cohorts import (  # noqa: F401 -- the page's callers read them here
    BASELINE,
    MIN_SAMPLES,
    PENDING,
    Cohort,
    Cohorts,
    age_at,
    cohorts,
    limit_column,
    own_p95,
    serial,
)
from db.models import SLOW_SECONDS, Message
from db.read.filters import Filters
from db.types import epoch

COLUMNS = (
    "account",
    "request_id",
    "number",
    "sender",
    "gateway",
    "request_state",
    "receipt_state",
    "first_seen_at",
    "age_seconds",
    "limit_seconds",
)


def late(
    engine: Engine, filters: Filters, now: datetime, fallback: timedelta, limit: int = 200
) -> tuple[pd.DataFrame, int]:
    """The late messages, latest for their cohort first, and how many there are in all.

    ``fallback`` is the fixed threshold for cohorts with too few samples. Columns: account,
    request_id, number, sender, gateway, request_state, receipt_state, first_seen_at,
    age_seconds, limit_seconds (the cohort's p95, or the fallback), cohort (True when the
    cohort's own p95 applies).
    """
    known = cohorts(engine, filters, now)
    age, threshold = age_at(now), limit_column(known, fallback)
    # One walk of the backlog: the total rides along each listed row (a window count).
    query = (
        select(
            Message.account,
            Message.request_id,
            Message.number,
            Message.sender,
            Message.gateway,
            Message.request_state,
            Message.receipt_state,
            Message.first_seen_at,
            age.label("age_seconds"),
            threshold.label("limit_seconds"),
            func.count().over().label("total"),
        )
        .where(PENDING, age > threshold, *filters.message_scope())
        .order_by((age * 1.0 / threshold).desc(), Message.request_id, Message.number)
        .limit(limit)
    )
    with serial(engine) as conn:
        result = conn.execute(query)
        found = [tuple(row) for row in result.fetchall()]
    rows = pd.DataFrame(found, columns=[*COLUMNS, "total"])
    total = int(rows["total"].iloc[0]) if len(rows) else 0
    rows = rows.drop(columns="total") if len(rows) else pd.DataFrame(columns=list(COLUMNS))
    rows["cohort"] = [
        own_p95(known, g, s) for g, s in zip(rows["gateway"], rows["sender"], strict=True)
    ]
    return rows, total


def late_count(engine: Engine, filters: Filters, at: datetime, fallback: timedelta) -> int:
    """How many messages were late at ``at`` (with the cohorts of the week before it).

    Not final at ``at`` means one of four index-served sets: still pending now, final since
    ``at`` within the hour after their first sighting (so first seen in the hour before
    ``at``), final since ``at`` later than that (the slow-final index), or given up since
    ``at`` -- never a scan of everything first seen before it or final since.
    """
    known: Cohorts = cohorts(engine, filters, at)
    age, threshold = age_at(at), limit_column(known, fallback)
    stamp = int(at.timestamp())
    first_seen = epoch(Message.first_seen_at)
    seen = [first_seen < stamp, age > threshold, *_unindexed_scope(filters)]
    final, gave_up = epoch(Message.final_at), epoch(Message.gave_up_at)
    # a literal, as in the partial index's condition: a bound value would not match it
    took = final - first_seen
    slow: ColumnElement[int] = literal_column(str(SLOW_SECONDS))
    since = [Message.final_at.is_not(None), final > stamp]
    still = or_(Message.gave_up_at.is_(None), gave_up > stamp)
    parts = [
        [PENDING],
        [*since, took < slow, first_seen > stamp - SLOW_SECONDS, still],
        [*since, took >= slow, still],
        [Message.final_at.is_(None), Message.gave_up_at.is_not(None), gave_up > stamp],
    ]
    with serial(engine) as conn:
        return sum(
            int(conn.execute(select(func.count()).where(*part, *seen)).scalar_one())
            for part in parts
        )


def _unindexed_scope(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters as conditions no index serves: with a sender, SQLite would otherwise walk
    all of that sender's messages by the sender index instead of the few since ``at``."""
    pairs = (
        (Message.account, filters.account),
        (Message.sender, filters.sender),
        (Message.gateway, filters.gateway),
    )
    return [func.coalesce(column, "") == value for column, value in pairs if value]
