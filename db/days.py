"""Day rollups: each one the sum of an hourly rollup per UTC day, over a subset of its key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, literal_column, select

from db.models import (
    RollupCalls,
    RollupCallsDay,
    RollupCompletion,
    RollupCompletionDay,
    RollupCountries,
    RollupCountriesDay,
    RollupDelays,
    RollupDelaysDay,
    RollupMessages,
    RollupMessagesDay,
    RollupOutcomes,
    RollupOutcomesDay,
)

DAY = 86400


@dataclass(frozen=True)
class DayRollup:
    hourly: Table
    daily: Table
    count: str  # the count column, the same name in both

    @property
    def keys(self) -> tuple[str, ...]:
        """The daily key columns after `day`, all of them hourly columns too."""
        return tuple(c.name for c in self.daily.primary_key.columns)[1:]


def _pair(hourly: Any, daily: Any, count: str) -> DayRollup:
    return DayRollup(hourly.__table__, daily.__table__, count)


DAY_ROLLUPS = (
    _pair(RollupMessages, RollupMessagesDay, "messages"),
    _pair(RollupOutcomes, RollupOutcomesDay, "messages"),
    _pair(RollupDelays, RollupDelaysDay, "messages"),
    _pair(RollupCalls, RollupCallsDay, "calls"),
    _pair(RollupCompletion, RollupCompletionDay, "requests"),
    _pair(RollupCountries, RollupCountriesDay, "messages"),
)
BY_HOURLY = {pair.hourly.name: pair for pair in DAY_ROLLUPS}


@cache
def _positions(hourly: str) -> tuple[int, ...]:
    pair = BY_HOURLY[hourly]
    names = [c.name for c in pair.hourly.primary_key.columns]
    return tuple(names.index(name) for name in pair.keys)


def day_counts(
    hourly: str, counts: Mapping[tuple[Any, ...], int]
) -> defaultdict[tuple[Any, ...], int]:
    """The day rollup's deltas from the hourly rollup's (keys in primary-key order)."""
    positions = _positions(hourly)
    days: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    for key, n in counts.items():
        if n:
            days[(key[0] - key[0] % DAY, *(key[i] for i in positions))] += n
    return days


def rebuild_days(conn: Connection, only: set[str] | None = None) -> None:
    """Recompute day rollups from their (already exact) hourly rollups."""
    for pair in DAY_ROLLUPS:
        if only is not None and pair.daily.name not in only:
            continue
        conn.execute(delete(pair.daily))
        hour = pair.hourly.c.hour
        day = (hour - hour % DAY).label("day")
        keys = [day, *(pair.hourly.c[name] for name in pair.keys)]
        total = func.sum(pair.hourly.c[pair.count])
        conn.execute(
            insert(pair.daily).from_select(
                ["day", *pair.keys, pair.count],
                select(*keys, total).group_by(*keys).having(total != literal_column("0")),
            )
        )
