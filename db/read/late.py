"""Late messages: not final yet, and older than their cohort (gateway x sender) usually takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, or_, select

from db.models import Message, RollupDelays
from db.read.filters import Filters, frame
from db.read.overview import PENDING
from db.read.split import percentiles, rollup_scope
from db.rollup import HOUR
from db.types import epoch

BASELINE = timedelta(days=7)
MIN_SAMPLES = 50  # final messages a cohort needs in the baseline for its own p95
QUANTILE = 0.95


@dataclass(frozen=True)
class Cohort:
    gateway: str
    sender: str
    samples: int
    p95: float | None  # seconds from creation to final; None with too few samples


def cohorts(engine: Engine, filters: Filters, now: datetime) -> dict[tuple[str, str], Cohort]:
    """Each cohort's time to final over the whole hours of the last week, from the rollup.

    Delays count from the request's creation (its first sighting when unknown), as the
    rollup does; gateway and sender are '' where unknown.
    """
    d = RollupDelays
    end = int(now.timestamp()) // HOUR * HOUR
    start = end - int(BASELINE.total_seconds())
    query = (
        select(d.gateway, d.sender, d.delay, func.sum(d.messages))
        .where(d.measure == "final", d.hour >= start, d.hour < end, *rollup_scope(d, filters))
        .group_by(d.gateway, d.sender, d.delay)
    )
    histograms: dict[tuple[str, str], dict[float, int]] = {}
    with engine.connect() as conn:
        for gateway, sender, delay, n in conn.execute(query):
            histogram = histograms.setdefault((gateway, sender), {})
            histogram[float(delay)] = histogram.get(float(delay), 0) + int(n)
    found = {}
    for key, histogram in histograms.items():
        samples = sum(histogram.values())
        p95 = percentiles(histogram, (QUANTILE,))[0] if samples >= MIN_SAMPLES else None
        found[key] = Cohort(key[0], key[1], samples, p95)
    return found


def _late_columns(
    known: dict[tuple[str, str], Cohort], fallback: timedelta, now: datetime
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The message's age and the age beyond which it is late, in SQL."""
    age = int(now.timestamp()) - epoch(func.coalesce(Message.created_at, Message.first_seen_at))
    gateway, sender = func.coalesce(Message.gateway, ""), func.coalesce(Message.sender, "")
    whens = [
        # at least a second: a cohort final within the second would make every message late
        (and_(gateway == c.gateway, sender == c.sender), max(c.p95, 1.0))
        for c in known.values()
        if c.p95 is not None
    ]
    fixed = int(fallback.total_seconds())
    limit: ColumnElement[Any] = case(*whens, else_=fixed) if whens else literal(fixed)
    return age, limit


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
    age, threshold = _late_columns(known, fallback, now)
    where = [PENDING, age > threshold, *filters.message_scope()]
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).where(*where)).scalar_one())
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
        )
        .where(*where)
        .order_by((age * 1.0 / threshold).desc(), Message.request_id, Message.number)
        .limit(limit)
    )
    rows = frame(engine, query)
    rows["cohort"] = [
        (known.get((g or "", s or "")) or Cohort("", "", 0, None)).p95 is not None
        for g, s in zip(rows["gateway"], rows["sender"], strict=True)
    ]
    return rows, total


def late_count(engine: Engine, filters: Filters, at: datetime, fallback: timedelta) -> int:
    """How many messages were late at ``at`` (with the cohorts of the week before it).

    Not final at ``at`` means one of three index-served sets: still pending now, final since
    ``at``, or given up since ``at`` -- never a scan of everything first seen before it.
    """
    age, threshold = _late_columns(cohorts(engine, filters, at), fallback, at)
    stamp = int(at.timestamp())
    seen = [epoch(Message.first_seen_at) < stamp, age > threshold, *_unindexed_scope(filters)]
    final, gave_up = epoch(Message.final_at), epoch(Message.gave_up_at)
    parts = [
        [PENDING],
        [
            Message.final_at.is_not(None),
            final > stamp,
            or_(Message.gave_up_at.is_(None), gave_up > stamp),
        ],
        [Message.final_at.is_(None), Message.gave_up_at.is_not(None), gave_up > stamp],
    ]
    with engine.connect() as conn:
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
