"""Backlog queries: what is not final yet, since when, and how long reaching final takes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from db.models import Message, StateChange
from db.read.filters import Filters, bucket, epoch, frame, to_times
from db.read.overview import PENDING

# (label, upper bound in seconds); the last bucket is open-ended.
AGE_BUCKETS = (
    ("< 5 min", 300),
    ("5–30 min", 1800),
    ("30 min–2 h", 7200),
    ("2–24 h", 86400),
    ("24–72 h", 259200),
    ("> 72 h", None),
)
HEATMAP_LOOKBACK = timedelta(days=3)


def _age_label(age: ColumnElement[int]) -> ColumnElement[str]:
    whens = [(age < limit, label) for label, limit in AGE_BUCKETS if limit is not None]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def backlog_over_time(
    engine: Engine, filters: Filters, seconds: int, offset: int = 0
) -> pd.DataFrame:
    """bucket, not_final — messages not final at the end of each bucket.

    Rebuilt from first-seen and final (or given-up) times: entries minus exits, cumulated
    from the backlog that existed when the range began.
    """
    left = func.coalesce(Message.final_at, Message.gave_up_at)
    scope = filters.message_scope()
    entries = (
        select(bucket(Message.first_seen_at, seconds, offset).label("b"), func.count().label("n"))
        .where(*filters.messages())
        .group_by("b")
    )
    exits = (
        select(bucket(left, seconds, offset).label("b"), (-func.count()).label("n"))
        .where(
            left >= filters.start, left < filters.end, Message.first_seen_at < filters.end, *scope
        )
        .group_by("b")
    )
    baseline = select(func.count()).where(
        Message.first_seen_at < filters.start, or_(left.is_(None), left >= filters.start), *scope
    )
    with engine.connect() as conn:
        start_count = conn.execute(baseline).scalar_one()
    moves = frame(engine, union_all(entries, exits))
    if moves.empty:
        return pd.DataFrame(
            {
                "bucket": pd.Series(dtype="datetime64[ns, UTC]"),
                "not_final": pd.Series(dtype="int64"),
            }
        )
    per_bucket = moves.groupby("b")["n"].sum().sort_index()
    result = pd.DataFrame(
        {
            "bucket": to_times(per_bucket.index.to_series()),
            "not_final": per_bucket.cumsum() + start_count,
        }
    )
    return result.reset_index(drop=True)


def aging(engine: Engine, filters: Filters, now: datetime) -> pd.DataFrame:
    """age, request_state, receipt_state, messages — the current backlog by age bucket."""
    age = _age_label(int(now.timestamp()) - epoch(Message.first_seen_at)).label("age")
    query = (
        select(age, Message.request_state, Message.receipt_state, func.count().label("messages"))
        .where(PENDING, *filters.message_scope())
        .group_by(age, Message.request_state, Message.receipt_state)
    )
    return frame(engine, query)


def aging_heatmap(engine: Engine, filters: Filters, seconds: int, offset: int = 0) -> pd.DataFrame:
    """bucket, age, messages — at the end of each bucket, how old the not-final messages were."""
    start = int(filters.start.timestamp())
    first = start - (start + offset) % seconds
    ends = list(range(first + seconds, int(filters.end.timestamp()) + seconds, seconds))[-200:]
    if not ends:
        return pd.DataFrame(columns=["bucket", "age", "messages"])
    # A compound SELECT, not VALUES: SQLite cannot name the columns of a VALUES alias.
    at = union_all(*(select(literal(t, BigInteger).label("t")) for t in ends)).subquery("edges")
    seen = epoch(Message.first_seen_at)
    left = epoch(func.coalesce(Message.final_at, Message.gave_up_at))
    age = _age_label(at.c.t - seen).label("age")
    query = (
        select((at.c.t - seconds).label("bucket"), age, func.count().label("messages"))
        .select_from(at)
        .join(Message, and_(seen < at.c.t, or_(left.is_(None), left >= at.c.t)))
        .where(
            Message.first_seen_at >= filters.start - HEATMAP_LOOKBACK,
            Message.first_seen_at < filters.end,
            *filters.message_scope(),
        )
        .group_by(at.c.t, age)
    )
    data = frame(engine, query)
    data["bucket"] = to_times(data["bucket"])
    return data


def stuck(
    engine: Engine, filters: Filters, older_than: timedelta, now: datetime, limit: int = 200
) -> pd.DataFrame:
    """The oldest not-final messages first seen before ``now - older_than``."""
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
            Message.last_seen_at,
            (int(now.timestamp()) - epoch(Message.first_seen_at)).label("age_seconds"),
        )
        .where(PENDING, Message.first_seen_at < now - older_than, *filters.message_scope())
        .order_by(Message.first_seen_at, Message.request_id, Message.number)
        .limit(limit)
    )
    return frame(engine, query)


def timeline(engine: Engine, account: str, request_id: str, number: str) -> pd.DataFrame:
    """observed_at, kind, number, old_code, new_code — the message's and its request's changes."""
    query = (
        select(
            StateChange.observed_at,
            StateChange.kind,
            StateChange.number,
            StateChange.old_code,
            StateChange.new_code,
        )
        .where(
            StateChange.account == account,
            StateChange.request_id == request_id,
            or_(StateChange.number == number, StateChange.number.is_(None)),
        )
        .order_by(StateChange.observed_at, StateChange.id)
    )
    return frame(engine, query)


def time_to_final(engine: Engine, filters: Filters) -> pd.DataFrame:
    """gateway, measure, p50, p90, p99, messages — seconds from creation to sent / final."""
    origin = epoch(func.coalesce(Message.created_at, Message.first_seen_at))
    parts = []
    for measure, column in (("sent", Message.sent_at), ("final", Message.final_at)):
        delay = (
            func.max(epoch(column) - origin, 0).label("delay")
            if engine.dialect.name == "sqlite"
            else func.greatest(epoch(column) - origin, 0).label("delay")
        )
        parts.append(
            select(
                Message.gateway, literal(measure).label("measure"), delay, func.count().label("n")
            )
            .where(column.is_not(None), *filters.messages())
            .group_by(Message.gateway, "delay")
        )
    histogram = frame(engine, union_all(*parts))
    rows = []
    for (gateway, kind), group in histogram.groupby(["gateway", "measure"], dropna=False):
        ordered = group.sort_values("delay")
        cumulative = ordered["n"].cumsum()
        total = int(cumulative.iloc[-1])
        row: dict[str, object] = {"gateway": gateway, "measure": kind, "messages": total}
        for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
            row[name] = float(
                ordered["delay"].iloc[int((cumulative >= q * total).to_numpy().argmax())]
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["gateway", "measure", "p50", "p90", "p99", "messages"])
