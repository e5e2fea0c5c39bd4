"""Backlog queries: what is not final yet, since when, and how long reaching final takes."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Engine,
    Executable,
    Select,
    bindparam,
    case,
    func,
    or_,
    select,
)

from db.models import Message, RollupDelays, RollupMessages, StateChange
from db.read import split as split_module
from db.read.filters import Filters, epoch, frame
from db.read.history import AGE_BUCKETS
from db.read.overview import PENDING
from db.read.parts import rollup_queries, rollup_scope
from db.read.split import nullable, percentiles, split_at, totals
from db.rollup import HOUR, NOT_LEFT, delay_since


def _age_label(age: ColumnElement[int]) -> ColumnElement[str]:
    whens = [(age < limit, label) for label, limit in AGE_BUCKETS if limit is not None]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def aging(engine: Engine, filters: Filters, now: datetime) -> pd.DataFrame:
    """age, request_state, receipt_state, messages — the current backlog by age bucket.

    An hour whose messages are all in one age bucket is counted from the rollup (the
    backlog grows with traffic, its hours do not); the young hours and the two that
    straddle 24 h and 72 h of age are counted row by row.
    """
    at = int(now.timestamp())
    young = at - at % HOUR - 2 * HOUR  # every bucket limit below 2 h lies after this
    s24, s72 = (at - limit - (at - limit) % HOUR for limit in (86400, 259200))
    scope = {"account": filters.account, "sender": filters.sender, "gateway": filters.gateway}
    params: dict[str, Any] = {"at": at, "young": young, "s24": s24, "s72": s72}
    params.update({name: value for name, value in scope.items() if value is not None})
    present = tuple(value is not None for value in scope.values())
    if not split_module.ROLLUPS:
        queries = [_aging_raw(present, None)]
    else:
        parts = (_aging_raw(present, part) for part in AGING_RAW_PARTS)
        queries = [_aging_rollup(present), *parts]
    rows = [(*key, n) for key, n in totals(engine, queries, params=params).items()]
    return pd.DataFrame(rows, columns=["age", "request_state", "receipt_state", "messages"])


AGING_RAW_PARTS = ("young", "s24", "s72")


def _scope(table: Any, present: tuple[bool, ...]) -> list[ColumnElement[bool]]:
    names = [n for n, on in zip(("account", "sender", "gateway"), present, strict=True) if on]
    return [getattr(table, n) == bindparam(n) for n in names]


@cache
def _aging_rollup(present: tuple[bool, ...]) -> Executable:
    """Built once per filter shape: the construction costs more than the query."""
    r = RollupMessages
    age = _age_label(bindparam("at") - r.hour).label("age")
    return (
        select(
            age,
            nullable(r.request_state, "request_state"),
            nullable(r.receipt_state, "receipt_state"),
            func.sum(r.messages),
        )
        .where(r.exit_hour == NOT_LEFT, r.hour < bindparam("young"))
        .where(r.hour != bindparam("s24"), r.hour != bindparam("s72"), *_scope(r, present))
        .group_by(age, r.request_state, r.receipt_state)
    )


@cache
def _aging_raw(present: tuple[bool, ...], part: str | None) -> Executable:
    """Pending rows first seen in one raw part (or all of them), by age bucket and codes."""
    seen = epoch(Message.first_seen_at)
    age = _age_label(bindparam("at") - seen).label("age")
    if part == "young":
        where = [seen >= bindparam("young")]
    elif part is not None:
        where = [seen >= bindparam(part), seen < bindparam(part) + HOUR]
    else:
        where = []
    return (
        select(age, Message.request_state, Message.receipt_state, func.count())
        .where(PENDING, *where, *_scope(Message, present))
        .group_by(age, Message.request_state, Message.receipt_state)
    )


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
