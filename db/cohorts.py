"""Each cohort's usual time to final, and "late" as SQL: pandas-free, so the collector's
alerts share it with the dashboard."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
)

from db.days import DAY
from db.models import Message, RollupDelays, RollupDelaysDay
from db.read import parts
from db.read.parts import rollup_scope
from db.rollup import HOUR
from db.types import epoch

BASELINE = timedelta(days=7)
MIN_SAMPLES = 50  # final messages a cohort needs in the baseline for its own p95
QUANTILE = 0.95
# Not final yet and not given up: the rows of the partial backlog indexes.
PENDING = and_(Message.final_at.is_(None), Message.gave_up_at.is_(None))


class Scope(Protocol):
    """What narrows the cohorts: the dashboard's filters, or an alert's account."""

    @property
    def account(self) -> str | None: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def gateway(self) -> str | None: ...


@dataclass(frozen=True)
class Narrowed:
    """A Scope of its own, for callers without the dashboard's filters."""

    account: str | None = None
    sender: str | None = None
    gateway: str | None = None


@dataclass(frozen=True)
class Cohort:
    gateway: str
    sender: str
    samples: int
    p95: float | None  # seconds from creation to final; None with too few samples


Cohorts = dict[tuple[str, str], Cohort]
Range = tuple[int, int]


def percentiles(histogram: dict[float, int], quantiles: Sequence[float]) -> list[float]:
    """The smallest value at or above each quantile of a {value: count} histogram."""
    values = sorted(histogram)
    total = sum(histogram.values())
    picked, running, index = [], 0, 0
    for q in quantiles:
        while running + histogram[values[index]] < q * total and index < len(values) - 1:
            running += histogram[values[index]]
            index += 1
        picked.append(float(values[index]))
    return picked


def _ranges(
    start: int, end: int, newest: int | None
) -> tuple[list[Range], list[Range], list[Range]]:
    """[start, end) as (day ranges, hour ranges added, hour ranges taken out).

    At each end a partial day is its hours, or the whole day less the hours outside the
    range, whichever reads fewer hours with rows (none lie after the newest).
    """
    if not parts.DAYS:
        return [], [(start, end)], []
    first, last = -(-start // DAY) * DAY, end // DAY * DAY
    days, added, minus = [(first, last)], [], []
    if start < first:
        if start - (first - DAY) < first - start:
            days.append((first - DAY, first))
            minus.append((first - DAY, start))
        else:
            added.append((start, first))
    if last < end:
        after = HOUR + (end if newest is None else newest)
        if max(0, min(last + DAY, after) - end) < end - last:
            days.append((last, last + DAY))
            minus.append((end, last + DAY))
        else:
            added.append((last, end))
    return days, added, minus


def cohorts(engine: Engine, scope: Scope, now: datetime) -> Cohorts:
    """Each cohort's time to final over the whole hours of the last week, from the rollups.

    Whole days come from the day rollup (a week of hourly rows is ten times as many).
    Delays count from the request's creation (its first sighting when unknown), as the
    rollup does; gateway and sender are '' where unknown.
    """
    d, daily = RollupDelays, RollupDelaysDay
    end = int(now.timestamp()) // HOUR * HOUR
    start = end - int(BASELINE.total_seconds())
    histograms: dict[tuple[str, str], dict[float, int]] = {}
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(d.hour))).scalar()
        days, added, minus = _ranges(start, end, newest)

        def read(table: Any, time: Any, ranges: list[Range], sign: int) -> None:
            if not ranges:
                return
            cols = [table.gateway, table.sender, table.delay]
            when = or_(*(and_(time >= a, time < b) for a, b in ranges))
            where = [table.measure == "final", when, *rollup_scope(table, scope)]
            query: Any = select(*cols, func.sum(table.messages)).where(*where).group_by(*cols)
            for gateway, sender, delay, n in conn.execute(query):
                histogram = histograms.setdefault((gateway, sender), {})
                histogram[float(delay)] = histogram.get(float(delay), 0) + sign * int(n)

        read(daily, daily.day, days, 1)
        read(d, d.hour, added, 1)
        read(d, d.hour, minus, -1)
    found = {}
    for key, histogram in histograms.items():
        histogram = {delay: n for delay, n in histogram.items() if n}
        samples = sum(histogram.values())
        if not samples:
            continue
        p95 = percentiles(histogram, (QUANTILE,))[0] if samples >= MIN_SAMPLES else None
        found[key] = Cohort(key[0], key[1], samples, p95)
    return found


@contextmanager
def serial(engine: Engine) -> Iterator[Connection]:
    """A connection whose queries PostgreSQL runs without parallel workers.

    It takes the partial backlog index for twenty times the rows it holds (the two NULL
    fractions multiplied as if independent), plans parallel workers for that, and their
    start-up then costs several times the few thousand rows actually read.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        yield conn


def age_at(at: datetime) -> ColumnElement[Any]:
    """A message's age at ``at`` in seconds, from the request's creation (else first sight)."""
    return int(at.timestamp()) - epoch(func.coalesce(Message.created_at, Message.first_seen_at))


def limit_column(known: Cohorts, fallback: timedelta) -> ColumnElement[Any]:
    """The age beyond which a message is late: its cohort's p95, else ``fallback``.

    Whole seconds, nested by gateway then sender: a CASE with one operand per level is read
    once per row, not a pair of comparisons per cohort (and stays integer on PostgreSQL).
    """
    fixed = int(fallback.total_seconds())
    by_gateway: dict[str, dict[str, int]] = {}
    for c in known.values():
        if c.p95 is not None:
            # at least a second: a cohort final within the second would make every message late
            by_gateway.setdefault(c.gateway, {})[c.sender] = max(int(c.p95), 1)
    if not by_gateway:
        return literal(fixed)
    sender = func.coalesce(Message.sender, "")
    inner = {
        gateway: case(senders, value=sender, else_=fixed)
        for gateway, senders in sorted(by_gateway.items())
    }
    return case(inner, value=func.coalesce(Message.gateway, ""), else_=fixed)


def own_p95(known: Cohorts, gateway: str | None, sender: str | None) -> bool:
    """Whether the message's cohort has its own p95 (else the fixed threshold applied)."""
    found = known.get((gateway or "", sender or ""))
    return found is not None and found.p95 is not None
