"""Completion curves for a range: per gateway, the median and p90 request's, and the requests
still incomplete after their cohort's p95.

A request's curve is the share of its numbers final against time since its creation. For a
share q (10 % ... 100 %), the *median curve* is at the time by which half of the requests
first seen in the range had at least q of their numbers final, the *p90 curve* where 90 %
had. Read across instead: at minute m the median curve is the median, and the p90 curve the
10th percentile, of the requests' shares final by m. Requests that never reach q count as
slower than any that did, so a curve stops below 100 % when too many never complete.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from db.curves import LEVELS, NOT_REACHED, completion_query
from db.models import Message, RollupCompletion
from db.read.filters import Filters
from db.read.late import cohorts, limit_column, own_p95, serial
from db.read.overview import PENDING
from db.read.parts import rollup_queries, rollup_scope
from db.read.split import split_at
from db.read.sums import totals
from db.types import epoch

QUANTILES = {"median": 0.5, "p90": 0.9}
READ = ("gateway", "level_from", "level_to", "delay")


def _raw(part: Filters) -> Any:
    """The rollup's rows for the requests first seen in ``part``, from the raw messages."""
    start, end = int(part.start.timestamp()), int(part.end.timestamp())
    query = completion_query(part.messages(), (start, end)).subquery()
    cols = [query.c[name] for name in READ]
    return select(*cols, func.sum(query.c.requests)).group_by(*cols)


def _histograms(engine: Engine, filters: Filters) -> dict[tuple[str, int], dict[int, int]]:
    """{(gateway, level): {delay: requests}} over the requests first seen in the range."""
    c = RollupCompletion
    parts = split_at(engine, filters, Message.first_seen_at)
    queries: list[Any] = []
    minus: list[Any] = []
    if parts.first_hour is not None and parts.end_hour is not None:
        queries, minus = rollup_queries(
            c,
            c.requests,
            [c.__table__.c[name] for name in READ],
            rollup_scope(c, filters),
            (parts.first_hour, parts.end_hour),
            None,
        )
    queries += [_raw(edge) for edge in parts.edges]
    minus += [_raw(part) for part in parts.outside]
    found: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    # summed over the range first (a few hundred runs), then spread over their levels
    for (gateway, first, last, delay), n in totals(engine, queries, minus).items():
        for level in range(int(first), int(last) + 1, 10):
            histogram = found[(str(gateway), level)]
            histogram[int(delay)] = histogram.get(int(delay), 0) + int(n)
    return found


def quantile_time(histogram: dict[int, int], q: float) -> int | None:
    """The smallest delay by which at least ``q`` of the requests had reached the level.

    None when that many never did (not reached counts as slower than everything).
    """
    total = sum(histogram.values())
    running = 0
    for delay in sorted(d for d in histogram if d != NOT_REACHED):
        running += histogram[delay]
        if running >= q * total:
            return delay
    return None


def gateway_curves(engine: Engine, filters: Filters) -> pd.DataFrame:
    """gateway, level (share 0.1 ... 1.0), requests, median_seconds, p90_seconds.

    A level some requests have not reached still has a row; its times are None where fewer
    than half (90 %) of the requests reached it.
    """
    rows = []
    for (gateway, level), histogram in sorted(_histograms(engine, filters).items()):
        if level not in LEVELS:
            continue
        times = {name: quantile_time(histogram, q) for name, q in QUANTILES.items()}
        rows.append(
            (
                gateway,
                level / 100,
                sum(histogram.values()),
                times["median"],
                times["p90"],
            )
        )
    columns = ["gateway", "level", "requests", "median_seconds", "p90_seconds"]
    # object columns: a level not reached stays None, not NaN
    return pd.DataFrame(
        {name: pd.Series([r[i] for r in rows], dtype=object) for i, name in enumerate(columns)}
    ).astype({"gateway": str, "level": float, "requests": int})


def incomplete_requests(
    engine: Engine, filters: Filters, now: datetime, fallback: timedelta, limit: int = 200
) -> tuple[pd.DataFrame, int]:
    """Requests first seen in the range with numbers still awaited past their cohort's p95.

    The cohort (gateway x sender) p95 of time to final is late.cohorts()'s, over the week
    before ``now``; cohorts with too few samples use ``fallback``. Columns: account,
    request_id, gateway, sender, numbers, final, age_seconds, limit_seconds,
    cohort (True when the cohort's own p95 applies). Oldest for their cohort first; the
    count of all such requests comes second.
    """
    known = cohorts(engine, filters, now)
    origin = func.coalesce(Message.created_at, Message.first_seen_at)
    age = int(now.timestamp()) - func.min(epoch(origin))
    threshold = limit_column(known, fallback)
    where = [PENDING, *filters.messages(), int(now.timestamp()) - epoch(origin) > threshold]
    keys = (Message.account, Message.request_id)
    # Both statements read the backlog index alone (it carries the request, creation, gateway
    # and sender): at 10M a lookup of each pending row in the table cost most of their time.
    # Two statements, not one with a window count: SQLite then materialises the grouped rows
    # once more, which cost more than the second walk of the index.
    with serial(engine) as conn:
        counted = select(*keys).where(*where).distinct().subquery()
        total = int(conn.execute(select(func.count()).select_from(counted)).scalar_one())
        late = conn.execute(
            select(
                *keys,
                func.max(func.coalesce(Message.gateway, "")),
                func.max(func.coalesce(Message.sender, "")),
                age,
                func.max(threshold),
            )
            .where(*where)
            .group_by(*keys)
            .order_by((age * 1.0 / func.max(threshold)).desc(), *keys)
            .limit(limit)
        ).all()
        by_account: dict[str, list[str]] = defaultdict(list)
        for account, rid, *_rest in late:
            by_account[account].append(rid)
        counts = {}
        # per account, so that the primary key serves it (SQLite scans for a row-value IN)
        for account, ids in by_account.items():
            counts.update(
                {
                    (a, rid): (int(n), int(f))
                    for a, rid, n, f in conn.execute(
                        select(*keys, func.count(), func.count(Message.final_at))
                        .where(Message.account == account, Message.request_id.in_(ids))
                        .group_by(*keys)
                    )
                }
            )
    rows = [
        (
            account,
            rid,
            gateway,
            sender,
            *counts[(account, rid)],
            int(age_s),
            float(limit_s),
            own_p95(known, gateway, sender),
        )
        for account, rid, gateway, sender, age_s, limit_s in late
    ]
    columns = [
        "account",
        "request_id",
        "gateway",
        "sender",
        "numbers",
        "final",
        "age_seconds",
        "limit_seconds",
        "cohort",
    ]
    return pd.DataFrame(rows, columns=columns), total
