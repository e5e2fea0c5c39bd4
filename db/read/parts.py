"""The rollup queries serving a run of whole hours: whole UTC days from the day rollups,
the hours around them from the hourly ones.

A chart with day buckets at local midnight cannot take a UTC day row as it is: the row goes
to the bucket holding most of its day, and the few "spill" hours that belong to the
neighbouring bucket are moved over from the hourly rollup (added there, taken out here).
Exact for any whole-hour offset, at most twelve hourly reads per day (one for Prague).
Across a clock change each stretch of one offset is read so, with its own offset, and the
day of the change (23 or 25 hours) from its hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select
from sqlalchemy.sql import visitors

from db.days import BY_HOURLY, DAY
from db.read.buckets import Buckets, Piece
from db.rollup import HOUR

# Tests switch this off to check that the day rollups answer exactly what the hours do.
DAYS = True


class NoDayColumn(LookupError):
    """The query needs a column the day rollup does not keep (e.g. the exit hour)."""


def rollup_scope(table: Any, filters: Any) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.account:
        conditions.append(table.account == filters.account)
    if filters.sender and hasattr(table, "sender"):
        conditions.append(table.sender == filters.sender)
    if filters.gateway and hasattr(table, "gateway"):
        conditions.append(table.gateway == filters.gateway)
    return conditions


def _clause(expr: Any) -> Any:
    return expr.__clause_element__() if hasattr(expr, "__clause_element__") else expr


def adapt(expr: Any, hourly: Table, target: Table, hour_as: Any) -> Any:
    """``expr`` with the hourly table's columns taken from ``target`` and `hour` as ``hour_as``."""

    def swap(element: Any) -> Any:
        table = getattr(element, "table", None)
        if not isinstance(element, visitors.ExternallyTraversible) or table is None:
            return None
        if getattr(table, "name", None) != hourly.name or not hasattr(element, "name"):
            return None
        if element.name == "hour":
            return hour_as
        if target is hourly:
            return None
        if element.name not in target.c:
            raise NoDayColumn(element.name)
        return target.c[element.name]

    return visitors.replacement_traverse(_clause(expr), {}, swap)  # type: ignore[call-overload]


def rollup_queries(
    model: Any,
    total: Any,
    cols: list[Any],
    where: list[ColumnElement[bool]],
    hours: tuple[int, int],
    step: Buckets | None,
) -> tuple[list[Any], list[Any]]:
    """Queries (added, subtracted) counting ``cols`` over the hours [first, end).

    ``step`` is the chart's buckets when ``cols`` bucket the hour, else None.
    """
    hourly: Table = model.__table__
    hour = model.hour
    first, end = hours

    def on_hours(*conditions: Any, columns: list[Any] = cols) -> Any:
        return select(*columns, func.sum(total)).where(*conditions, *where).group_by(*columns)

    whole: tuple[list[Any], list[Any]] = [on_hours(hour >= first, hour < end)], []
    pair = BY_HOURLY.get(hourly.name)
    if not DAYS or pair is None or (step is not None and step.seconds % DAY != 0):
        return whole
    pieces = step.pieces if step is not None else (Piece(first, end, 0),)
    plan = _plan(pieces, first, end)
    if not plan.days:
        return whole
    day = pair.daily.c.day
    added: list[Any] = []
    subtracted: list[Any] = []
    for shift, ranges in sorted(plan.days.items()):
        try:
            placed = day + shift if shift else day
            day_cols = [adapt(c, hourly, pair.daily, placed) for c in cols]
            day_where = [adapt(c, hourly, pair.daily, placed) for c in where]
            day_total = adapt(total, hourly, pair.daily, placed)
        except NoDayColumn:
            return whole
        added.append(
            select(*day_cols, func.sum(day_total))
            .where(_within(day, ranges), *day_where)
            .group_by(*day_cols)
        )
        spill = plan.spill.get(shift)
        if spill:
            # The spill hours listed, not filtered: each is an index probe, not a scan.
            as_placed = [adapt(c, hourly, hourly, hour - hour % DAY + shift) for c in cols]
            added.append(on_hours(hour.in_(spill)))
            subtracted.append(on_hours(hour.in_(spill), columns=as_placed))
    if plan.hours:
        added.append(on_hours(_within(hour, plan.hours)))
    return added, subtracted


@dataclass
class _Plan:
    """What to read: days from the day rollup, hours from the hourly one, by placement."""

    hours: list[tuple[int, int]] = field(default_factory=list)
    days: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    spill: dict[int, list[int]] = field(default_factory=dict)

    def hours_of(self, start: int, end: int) -> None:
        if start >= end:
            return
        if self.hours and self.hours[-1][1] == start:
            self.hours[-1] = (self.hours[-1][0], end)
        else:
            self.hours.append((start, end))


def _plan(pieces: tuple[Piece, ...], first: int, end: int) -> _Plan:
    """Each piece of one offset read as whole UTC days and the hours around them; a day on
    which the clocks change (a piece of one bucket) from its hours."""
    plan = _Plan()
    for piece in pieces:
        start, stop = max(piece.start, first), min(piece.end, end)
        if start >= stop:
            continue
        first_day, end_day = -(-start // DAY) * DAY, stop // DAY * DAY
        if piece.offset is None or first_day >= end_day:
            plan.hours_of(start, stop)
            continue
        offset = piece.offset % DAY
        shift = 0 if offset <= DAY // 2 else DAY - HOUR  # where in its day a day row is placed
        plan.hours_of(start, first_day)
        plan.days.setdefault(shift, []).append((first_day, end_day))
        if offset:
            moved = range(DAY - offset, DAY) if shift == 0 else range(0, DAY - offset)
            days = range(first_day, end_day, DAY)
            plan.spill.setdefault(shift, []).extend(d + at for d in days for at in moved[::HOUR])
        plan.hours_of(end_day, stop)
    return plan


def _within(column: Any, ranges: list[tuple[int, int]]) -> ColumnElement[bool]:
    return or_(*(and_(column >= a, column < b) for a, b in ranges))
