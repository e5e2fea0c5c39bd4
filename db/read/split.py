"""Serve a time range from the rollups (whole hours) and the raw tables (the partial hours)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, case, func, select

from db.models import Message, RollupCalls, RollupMessages
from db.read.filters import Filters
from db.rollup import HOUR
from db.types import from_epoch

# Tests switch this off to check that the rollups answer exactly what the raw tables do.
ROLLUPS = True

STATUS = case(
    (
        Message.final_at.is_not(None),
        case((Message.receipt_state == 2, "delivered"), else_="failed"),
    ),
    (Message.gave_up_at.is_(None), "pending"),
    else_="gave_up",
)


@dataclass(frozen=True)
class Split:
    first_hour: int | None  # rollups serve [first_hour, end_hour)
    end_hour: int | None
    edges: tuple[Filters, ...]  # raw tables serve these


def hourly(seconds: int, offset: int = 0) -> bool:
    """Can buckets of this size be built from hourly rollup rows?"""
    return seconds % HOUR == 0 and offset % HOUR == 0


def split(filters: Filters, rollups: bool = True) -> Split:
    start, end = int(filters.start.timestamp()), int(filters.end.timestamp())
    first, last = -(-start // HOUR) * HOUR, end // HOUR * HOUR
    if not (ROLLUPS and rollups) or first >= last:
        return Split(None, None, (filters,))
    edges = []
    if start < first:
        edges.append(replace(filters, end=from_epoch(first)))
    if last < end:
        edges.append(replace(filters, start=from_epoch(last)))
    return Split(first, last, tuple(edges))


def rollup_scope(table: Any, filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.account:
        conditions.append(table.account == filters.account)
    if filters.sender and hasattr(table, "sender"):
        conditions.append(table.sender == filters.sender)
    if filters.gateway and hasattr(table, "gateway"):
        conditions.append(table.gateway == filters.gateway)
    return conditions


def _combine(frames: list[pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=[*labels, "n"])
    data = pd.concat(frames, ignore_index=True)
    if not labels:
        return pd.DataFrame({"n": [int(data["n"].sum())]})
    return data.groupby(labels, dropna=False)["n"].sum().reset_index()


def _frame(engine: Engine, query: Any) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def message_counts(
    engine: Engine,
    filters: Filters,
    rollup_cols: Sequence[Any],
    raw_cols: Sequence[Any],
    rollup_where: Sequence[ColumnElement[bool]] = (),
    raw_where: Sequence[ColumnElement[bool]] = (),
    rollups: bool = True,
) -> pd.DataFrame:
    """Messages first seen in the range, counted by the given (equally labelled) columns."""
    parts = split(filters, rollups)
    labels = [str(c.key) for c in rollup_cols]
    frames = []
    if parts.first_hour is not None:
        frames.append(
            _frame(
                engine,
                select(*rollup_cols, func.sum(RollupMessages.messages).label("n"))
                .where(
                    RollupMessages.hour >= parts.first_hour,
                    RollupMessages.hour < parts.end_hour,
                    *rollup_scope(RollupMessages, filters),
                    *rollup_where,
                )
                .group_by(*rollup_cols),
            )
        )
    for edge in parts.edges:
        frames.append(
            _frame(
                engine,
                select(*raw_cols, func.count().label("n"))
                .where(*edge.messages(), *raw_where)
                .group_by(*raw_cols),
            )
        )
    return _combine(frames, labels)


def call_counts(
    engine: Engine,
    filters: Filters,
    rollup_cols: Sequence[Any],
    raw_cols: Sequence[Any],
    rollups: bool = True,
) -> pd.DataFrame:
    """API calls started in the range, counted by the given (equally labelled) columns."""
    parts = split(filters, rollups)
    labels = [str(c.key) for c in rollup_cols]
    frames = []
    if parts.first_hour is not None:
        frames.append(
            _frame(
                engine,
                select(*rollup_cols, func.sum(RollupCalls.calls).label("n"))
                .where(
                    RollupCalls.hour >= parts.first_hour,
                    RollupCalls.hour < parts.end_hour,
                    *rollup_scope(RollupCalls, filters),
                )
                .group_by(*rollup_cols),
            )
        )
    for edge in parts.edges:
        frames.append(
            _frame(
                engine,
                select(*raw_cols, func.count().label("n")).where(*edge.calls()).group_by(*raw_cols),
            )
        )
    return _combine(frames, labels)


def nullable(column: Any, label: str) -> ColumnElement[Any]:
    """A rollup key column with its -1 placeholder turned back into NULL."""
    return case((column == -1, None), else_=column).label(label)
