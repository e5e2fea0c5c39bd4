"""The rollup queries serving a run of whole hours: whole UTC days from the day rollups,
the hours around them from the hourly ones.

A chart with day buckets at local midnight cannot take a UTC day row as it is: the row goes
to the bucket holding most of its day, and the few "spill" hours that belong to the
neighbouring bucket are moved over from the hourly rollup (added there, taken out here).
Exact for any whole-hour offset, at most twelve hourly reads per day (one for Prague).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select
from sqlalchemy.sql import visitors

from db.days import BY_HOURLY, DAY
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
    step: tuple[int, int] | None,
) -> tuple[list[Any], list[Any]]:
    """Queries (added, subtracted) counting ``cols`` over the hours [first, end).

    ``step`` is the chart's (bucket seconds, offset) when ``cols`` bucket the hour, else None.
    """
    hourly: Table = model.__table__
    hour = model.hour
    first, end = hours

    def on_hours(*conditions: Any, columns: list[Any] = cols) -> Any:
        return select(*columns, func.sum(total)).where(*conditions, *where).group_by(*columns)

    pair = BY_HOURLY.get(hourly.name)
    first_day, end_day = -(-first // DAY) * DAY, end // DAY * DAY
    if (
        not DAYS
        or pair is None
        or first_day >= end_day
        or (step is not None and step[0] % DAY != 0)
    ):
        return [on_hours(hour >= first, hour < end)], []
    offset = step[1] % DAY if step is not None else 0
    shift = 0 if offset <= DAY // 2 else DAY - HOUR  # where in its day a day row is placed
    day = pair.daily.c.day
    try:
        placed = day + shift if shift else day
        day_cols = [adapt(c, hourly, pair.daily, placed) for c in cols]
        day_where = [adapt(c, hourly, pair.daily, placed) for c in where]
        day_total = adapt(total, hourly, pair.daily, placed)
    except NoDayColumn:
        return [on_hours(hour >= first, hour < end)], []
    added = [
        select(*day_cols, func.sum(day_total))
        .where(day >= first_day, day < end_day, *day_where)
        .group_by(*day_cols)
    ]
    around = [and_(hour >= a, hour < b) for a, b in ((first, first_day), (end_day, end)) if a < b]
    if around:
        added.append(on_hours(or_(*around)))
    if not offset:
        return added, []
    # The spill hours listed, not filtered: each is an index probe, not a scan of every hour.
    moved = range(DAY - offset, DAY) if shift == 0 else range(0, DAY - offset)
    spill = [day + at for day in range(first_day, end_day, DAY) for at in moved[::HOUR]]
    in_days = (hour.in_(spill),)
    as_placed = [adapt(c, hourly, hourly, hour - hour % DAY + shift) for c in cols]
    added.append(on_hours(*in_days))
    return added, [on_hours(*in_days, columns=as_placed)]
