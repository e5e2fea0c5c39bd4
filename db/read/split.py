"""Serve a time range from the rollups (whole hours) and the raw tables (the partial hours)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select

from db.cohorts import percentiles  # noqa: F401 -- here too: shared with the pandas-free collector
from db.models import (
    ApiCall,
    Message,
    RollupCalls,
    RollupCountries,
    RollupMessages,
    RollupOutcomes,
)
from db.read.buckets import Buckets
from db.read.filters import Filters
from db.read.parts import rollup_queries, rollup_scope
from db.read.sums import totals
from db.rollup import HOUR
from db.types import epoch, from_epoch

# Tests switch this off to check that the rollups answer exactly what the raw tables do.
ROLLUPS = True


@dataclass(frozen=True)
class Split:
    first_hour: int | None  # rollups serve [first_hour, end_hour)
    end_hour: int | None
    edges: tuple[Filters, ...]  # raw tables serve these
    outside: tuple[Filters, ...] = ()  # raw rows to take back out of the rollup hours


def _span(start: int, end: int, newest: int) -> int:
    """How much of [start, end) can hold rows: none lie after the newest one."""
    return max(0, min(end, newest + 1) - start)


def split(filters: Filters, rollups: bool = True, newest: int | None = None) -> Split:
    """Whole hours from the rollups, the partial hours at either end from raw rows.

    Given ``newest`` (the latest row's time), a partial hour is instead read as the whole
    hour minus the raw rows outside the range, whenever those are fewer: e.g. the hour still
    running at the end of "the last 24 hours" has no rows after now. Exact either way.
    """
    start, end = int(filters.start.timestamp()), int(filters.end.timestamp())
    first, last = -(-start // HOUR) * HOUR, end // HOUR * HOUR
    if not (ROLLUPS and rollups):
        return Split(None, None, (filters,))
    edges: list[Filters] = []
    outside: list[Filters] = []
    if (
        newest is not None
        and start < first
        and _span(first - HOUR, start, newest) < _span(start, first, newest)
    ):
        first -= HOUR
        outside.append(replace(filters, start=from_epoch(first), end=from_epoch(start)))
    if (
        newest is not None
        and last < end
        and _span(end, last + HOUR, newest) < _span(last, end, newest)
    ):
        last += HOUR
        outside.append(replace(filters, start=from_epoch(end), end=from_epoch(last)))
    if first >= last:
        return Split(None, None, (filters,))
    if start < first:
        edges.append(replace(filters, end=from_epoch(first)))
    if last < end:
        edges.append(replace(filters, start=from_epoch(last)))
    return Split(first, last, tuple(edges), tuple(outside))


def _sum(engine: Engine, queries: list[Any], minus: list[Any], labels: list[str]) -> pd.DataFrame:
    rows = [(*key, n) for key, n in totals(engine, queries, minus).items()]
    return pd.DataFrame(rows, columns=[*labels, "n"])


def split_at(engine: Engine, filters: Filters, column: Any, rollups: bool = True) -> Split:
    """split(), knowing the newest time in ``column`` (indexed: one probe)."""
    if not (ROLLUPS and rollups):
        return split(filters, rollups)
    return split(filters, rollups, _newest(engine, column))


# (engine, column) -> (when read, newest): a page asks for the same probe many times over.
_NEWEST: dict[tuple[int, str], tuple[float, int | None]] = {}
NEWEST_FOR_S = 2.0


def _newest(engine: Engine, column: Any) -> int | None:
    """The newest time in ``column``, read at most every NEWEST_FOR_S seconds per engine.

    A stale value costs no exactness: it only picks which side of a partial hour is read
    from raw rows, and both sides are read as they are now.
    """
    key = (id(engine), f"{column.class_.__name__}.{column.key}")
    now = time.monotonic()
    cached = _NEWEST.get(key)
    if cached is not None and now - cached[0] < NEWEST_FOR_S:
        return cached[1]
    with engine.connect() as conn:
        value = conn.execute(select(func.max(epoch(column)))).scalar()
    newest = None if value is None else int(value)
    if len(_NEWEST) > 64:
        _NEWEST.clear()
    _NEWEST[key] = (now, newest)
    return newest


def _counts(
    engine: Engine,
    filters: Filters,
    rollup: tuple[Any, Any],
    raw: Callable[[Filters], list[ColumnElement[bool]]],
    time_column: Any,
    cols: tuple[Sequence[Any], Sequence[Any]],
    where: tuple[Sequence[ColumnElement[bool]], Sequence[ColumnElement[bool]]],
    rollups: bool,
    step: Buckets | None,
) -> pd.DataFrame:
    """Whole hours from the ``rollup`` (table, count column), partial hours from ``raw`` rows.

    ``step`` is the chart's buckets when the columns bucket by time.
    """
    table, total = rollup
    parts = split_at(engine, filters, time_column, rollups)
    rollup_cols, raw_cols = cols
    queries: list[Any] = []
    minus: list[Any] = []
    if parts.first_hour is not None and parts.end_hour is not None:
        scope = [*rollup_scope(table, filters), *where[0]]
        hours = (parts.first_hour, parts.end_hour)
        queries, minus = rollup_queries(table, total, list(rollup_cols), scope, hours, step)
    queries += [
        select(*raw_cols, func.count()).where(*raw(edge), *where[1]).group_by(*raw_cols)
        for edge in parts.edges
    ]
    minus += [
        select(*raw_cols, func.count()).where(*raw(part), *where[1]).group_by(*raw_cols)
        for part in parts.outside
    ]
    return _sum(engine, queries, minus, [str(c.key) for c in rollup_cols])


def message_counts(
    engine: Engine,
    filters: Filters,
    rollup_cols: Sequence[Any],
    raw_cols: Sequence[Any],
    rollup_where: Sequence[ColumnElement[bool]] = (),
    raw_where: Sequence[ColumnElement[bool]] = (),
    rollups: bool = True,
    table: type[RollupMessages] | type[RollupOutcomes] | type[RollupCountries] = RollupMessages,
    step: Buckets | None = None,
) -> pd.DataFrame:
    """Messages first seen in the range, counted by the given (equally labelled) columns.

    ``table`` is the rollup the ``rollup_cols`` belong to: rollup_outcomes has a third of
    the rows, for counts that need no request state or receipt. ``step``: the buckets when
    the columns bucket the time.
    """
    return _counts(
        engine,
        filters,
        (table, table.messages),
        Filters.messages,
        Message.first_seen_at,
        (rollup_cols, raw_cols),
        (rollup_where, raw_where),
        rollups,
        step,
    )


def call_counts(
    engine: Engine,
    filters: Filters,
    rollup_cols: Sequence[Any],
    raw_cols: Sequence[Any],
    rollups: bool = True,
    step: Buckets | None = None,
) -> pd.DataFrame:
    """API calls started in the range, counted by the given (equally labelled) columns.

    ``step``: the buckets when the columns bucket the time.
    """
    return _counts(
        engine,
        filters,
        (RollupCalls, RollupCalls.calls),
        Filters.calls,
        ApiCall.started_at,
        (rollup_cols, raw_cols),
        ((), ()),
        rollups,
        step,
    )
