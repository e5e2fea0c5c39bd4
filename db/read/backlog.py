"""Backlog queries: what is not final yet, since when, and how long reaching final takes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    Engine,
    Select,
    func,
    or_,
    select,
)

from db.models import Message, RollupDelays, StateChange
from db.read import split as split_module
from db.read.ages import ages
from db.read.filters import Filters, epoch, frame
from db.read.overview import PENDING
from db.read.parts import rollup_queries, rollup_scope
from db.read.split import percentiles, split_at
from db.read.sums import totals
from db.rollup import delay_since


def aging(engine: Engine, filters: Filters, now: datetime) -> pd.DataFrame:
    """age, request_state, receipt_state, messages — the current backlog by age bucket."""
    counts = ages(engine, filters, now, split_module.ROLLUPS)
    rows = [(*key, n) for key, n in counts.items()]
    return pd.DataFrame(rows, columns=["age", "request_state", "receipt_state", "messages"])


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
    parts = split_at(engine, filters, Message.first_seen_at)
    queries: list[Any] = []
    if parts.first_hour is not None and parts.end_hour is not None:
        d = RollupDelays
        queries, _none = rollup_queries(
            d,
            d.messages,
            [d.gateway, d.measure, d.delay],
            rollup_scope(d, filters),
            (parts.first_hour, parts.end_hour),
            None,
        )
    origin = func.coalesce(Message.created_at, Message.first_seen_at)
    gateway = func.coalesce(Message.gateway, "").label("gateway")
    sent = delay_since(Message.sent_at, origin).label("sent")
    final = delay_since(Message.final_at, origin).label("final")

    def raw(part: Filters) -> Select[Any]:
        # one pass for both measures; NULL where a message has neither yet
        return (
            select(gateway, sent, final, func.count())
            .where(
                *part.messages(), or_(Message.sent_at.is_not(None), Message.final_at.is_not(None))
            )
            .group_by(gateway, sent, final)
        )

    histograms: dict[tuple[str, str], dict[float, int]] = {}

    def add(gw: str, measure: str, delay: float, n: int) -> None:
        histogram = histograms.setdefault((gw, measure), {})
        histogram[delay] = histogram.get(delay, 0) + n

    for (gw, measure, delay), n in totals(engine, queries).items():
        add(gw, measure, delay, n)
    edges = totals(engine, [raw(p) for p in parts.edges], [raw(p) for p in parts.outside])
    for (gw, sent_delay, final_delay), n in edges.items():
        for measure, delay in (("sent", sent_delay), ("final", final_delay)):
            if delay is not None:
                add(gw, measure, delay, n)
    # Rollups and raw rows agree, so nothing stays negative; if a correction made them
    # differ (a creation time learnt late), a bin could: it is left out, not counted.
    kept = {k: {d: n for d, n in h.items() if n > 0} for k, h in sorted(histograms.items())}
    rows = [
        (gw or None, measure, *percentiles(h, (0.5, 0.9, 0.99)), sum(h.values()))
        for (gw, measure), h in kept.items()
        if h
    ]
    return pd.DataFrame(rows, columns=["gateway", "measure", "p50", "p90", "p99", "messages"])
