"""The backlog by age bucket, counted in SQL: pandas-free, so the collector's /metrics shares
it with the Backlog page."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Engine, Executable, bindparam, case, func, select

from db.cohorts import PENDING
from db.models import Message, RollupMessages
from db.read.filters import Filters
from db.read.sums import nullable, totals
from db.rollup import HOUR, NOT_LEFT
from db.types import epoch

# (label, upper bound in seconds); the last bucket is open-ended.
AGE_BUCKETS = (
    ("< 5 min", 300),
    ("5–30 min", 1800),
    ("30 min–2 h", 7200),
    ("2–24 h", 86400),
    ("24–72 h", 259200),
    ("> 72 h", None),
)
AGING_RAW_PARTS = ("young", "s24", "s72")


def ages(
    engine: Engine, filters: Filters, now: datetime, rollups: bool = True
) -> Counter[tuple[Any, ...]]:
    """(age, request_state, receipt_state) -> not-final messages, as of ``now``.

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
    if not rollups:
        queries = [_aging_raw(present, None)]
    else:
        parts = (_aging_raw(present, part) for part in AGING_RAW_PARTS)
        queries = [_aging_rollup(present), *parts]
    return totals(engine, queries, params=params)


def _age_label(age: ColumnElement[int]) -> ColumnElement[str]:
    whens = [(age < limit, label) for label, limit in AGE_BUCKETS if limit is not None]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


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
