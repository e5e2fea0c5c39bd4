"""Completion curves: the share of a request's numbers final against minutes since creation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from db.models import Message, Request, RollupDelays, RollupOutcomes
from db.read import curves
from db.read.filters import Filters
from db.read.late import BASELINE
from db.rollup import HOUR
from db.types import epoch


@dataclass(frozen=True)
class Completion:
    request_id: str
    gateway: str
    sender: str
    numbers: int
    request: pd.DataFrame  # minutes, share -- a step at each number that became final
    cohort: pd.DataFrame  # minutes, share -- the cohort's messages of the last week, pooled
    cohort_messages: int
    # minutes, share -- the cohort's median request of the last week (the pooled curve can
    # hide that a typical request is slower: one big fast batch outweighs many slow ones)
    cohort_median: pd.DataFrame
    cohort_requests: int


def _curve(delays: dict[float, int], total: int) -> pd.DataFrame:
    rows, done = [(0.0, 0.0)], 0
    for seconds in sorted(delays):
        done += delays[seconds]
        rows.append((seconds / 60, done / total))
    return pd.DataFrame(rows, columns=["minutes", "share"])


def request_completion(
    engine: Engine, filters: Filters, request_id: str, now: datetime
) -> Completion | None:
    """The request's curve and its cohort's (gateway x sender, the week before ``now``)."""
    scope = [Request.request_id == request_id]
    if filters.account:
        scope.append(Request.account == filters.account)
    with engine.connect() as conn:
        found = conn.execute(
            select(Request.account, Request.gateway, Request.sender).where(*scope).limit(1)
        ).first()
        if found is None:
            return None
        account, gateway, sender = found
        origin = func.coalesce(Message.created_at, Message.first_seen_at)
        delay = (epoch(Message.final_at) - epoch(origin)).label("delay")
        mine = [Message.account == account, Message.request_id == request_id]
        numbers = int(conn.execute(select(func.count()).where(*mine)).scalar_one())
        finals = {
            max(0.0, float(d)): int(n)
            for d, n in conn.execute(
                select(delay, func.count())
                .where(*mine, Message.final_at.is_not(None))
                .group_by(delay)
            )
        }
        end = int(now.timestamp()) // HOUR * HOUR
        start = end - int(BASELINE.total_seconds())
        d, o = RollupDelays, RollupOutcomes
        cohort = [d.account == account, d.gateway == (gateway or ""), d.sender == (sender or "")]
        cohort_finals = {
            float(k): int(n)
            for k, n in conn.execute(
                select(d.delay, func.sum(d.messages))
                .where(*cohort, d.measure == "final", d.hour >= start, d.hour < end)
                .group_by(d.delay)
            )
        }
        cohort_total = int(
            conn.execute(
                select(func.coalesce(func.sum(o.messages), 0)).where(
                    o.account == account,
                    o.gateway == (gateway or ""),
                    o.sender == (sender or ""),
                    o.hour >= start,
                    o.hour < end,
                )
            ).scalar_one()
        )
    week = Filters(
        datetime.fromtimestamp(start, UTC),
        datetime.fromtimestamp(end, UTC),
        account,
        sender or "",
        gateway or "",
    )
    median, requests = _median_curve(engine, week)
    return Completion(
        request_id,
        gateway or "",
        sender or "",
        numbers,
        _curve(finals, numbers) if numbers else _curve({}, 1),
        _curve(cohort_finals, cohort_total) if cohort_total else _curve({}, 1).iloc[:0],
        cohort_total,
        median,
        requests,
    )


def _median_curve(engine: Engine, week: Filters) -> tuple[pd.DataFrame, int]:
    """The cohort's median request as (minutes, share) steps, and how many requests it has."""
    levels = curves.gateway_curves(engine, week)
    reached = levels[levels["median_seconds"].notna()].sort_values("level")
    rows = [
        (0.0, 0.0),
        *(
            (float(s) / 60, float(v))
            for s, v in zip(reached["median_seconds"], reached["level"], strict=True)
        ),
    ]
    # one step per time: the highest share reached by it
    steps: dict[float, float] = {}
    for minutes, share in rows:
        steps[minutes] = max(share, steps.get(minutes, 0.0))
    frame = pd.DataFrame(sorted(steps.items()), columns=["minutes", "share"])
    total = int(levels["requests"].max()) if len(levels) else 0
    return (frame if total else frame.iloc[:0]), total
