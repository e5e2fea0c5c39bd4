"""Per-request completion: when each tenth of a request's numbers was final (rollup_completion).

For a request of n numbers, level L (10, 20 ... 100 %) is reached when ceil(L * n / 100) of
them are final; its delay is the seconds from the request's creation (its first sighting
when unknown) to that number's final state, rounded *up* to GRID: "reached by 5 min" is
then exact at every grid point. A level not reached (yet, or ever) is kept as -1, so that
percentiles across requests count the slow and the never-finished ones.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, case, func, literal, select, tuple_, union_all

from db.models import Message, RollupCompletion
from db.types import epoch

COMPLETION: Table = RollupCompletion.__table__  # type: ignore[assignment]
HOUR = 3600
DAY = 86400
LEVELS = tuple(range(10, 101, 10))
KEY = ("hour", "account", "sender", "gateway", "level_from", "level_to", "delay")
NOT_REACHED = -1
MINUTE = 60
# seconds: 10 s ... 72 h (the collector's usual give-up horizon), whole days beyond
GRID = (
    10,
    30,
    *(m * MINUTE for m in (1, 2, 3, 5, 10, 15, 20, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72)),
)


def grid_up(seconds: float) -> int:
    """The smallest grid point at or above ``seconds`` (whole days beyond the grid)."""
    value = max(0, int(seconds))
    at = bisect_left(GRID, value)
    if at < len(GRID):
        return GRID[at]
    return -(-value // DAY) * DAY


def grid_sql(seconds: Any) -> Any:
    """grid_up() in SQL, for seconds already clamped at zero."""
    whens = [(seconds <= g, g) for g in GRID]
    return case(*whens, else_=(seconds + (DAY - 1)) - (seconds + (DAY - 1)) % DAY)


def reached_at(n: int, level: int) -> int:
    """How many of n numbers are final when ``level`` % is reached (at least one)."""
    return -(-level * n // 100)


Row = Mapping[str, Any]


def signature(rows: Iterable[Row]) -> list[tuple[Any, ...]]:
    """What a request's completion keys depend on, to skip the work when nothing changed."""
    return sorted(
        (
            r["number"],
            r["first_seen_at"],
            r["created_at"],
            r["final_at"],
            r["sender"],
            r["gateway"],
        )
        for r in rows
    )


def request_keys(rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """The request's rollup_completion keys: each run of levels reached after the same delay
    (times as integer seconds)."""
    if not rows:
        return []
    seen = min(r["first_seen_at"] for r in rows)
    place = (
        seen - seen % HOUR,
        rows[0]["account"],
        max(r["sender"] or "" for r in rows),
        max(r["gateway"] or "" for r in rows),
    )
    delays = sorted(
        grid_up(r["final_at"] - (r["created_at"] or r["first_seen_at"]))
        for r in rows
        if r["final_at"] is not None
    )
    n = len(rows)
    runs: list[list[int]] = []  # [from, to, delay]
    for level in LEVELS:
        k = reached_at(n, level)
        delay = delays[k - 1] if k <= len(delays) else NOT_REACHED
        if runs and runs[-1][2] == delay:
            runs[-1][1] = level
        else:
            runs.append([level, level, delay])
    return [(*place, *run) for run in runs]


def completion_query(where: Sequence[Any] = (), seen: tuple[int, int] | None = None) -> Any:
    """rollup_completion's rows computed from the raw messages, in SQL.

    ``where`` picks the requests by their messages (all of a picked request's messages are
    read); ``seen`` keeps those whose first number was first seen in [start, end).
    """
    m = Message.__table__.c
    whole = [m.account, m.request_id]
    origin = func.coalesce(m.created_at, m.first_seen_at)
    elapsed = epoch(m.final_at) - epoch(origin)
    delay = grid_sql(case((elapsed < 0, 0), else_=elapsed))
    pending = case((m.final_at.is_(None), 1), else_=0)
    source = select(
        m.account,
        m.request_id,
        func.max(func.coalesce(m.sender, "")).over(partition_by=whole).label("sender"),
        func.max(func.coalesce(m.gateway, "")).over(partition_by=whole).label("gateway"),
        func.min(epoch(m.first_seen_at)).over(partition_by=whole).label("seen"),
        func.count().over(partition_by=whole).label("n"),
        func.row_number().over(partition_by=whole, order_by=(pending, delay)).label("k"),
        case((m.final_at.is_(None), NOT_REACHED), else_=delay).label("delay"),
    )
    if where:
        picked = select(m.account, m.request_id).where(*where).distinct()
        source = source.where(tuple_(m.account, m.request_id).in_(picked))
    ranked = source.subquery("ranked")
    levels = union_all(*(select(literal(v).label("level")) for v in LEVELS)).subquery("levels")
    r = ranked.c
    # the level's number is the k-th in order: (level * n + 99) // 100 is ceil(level * n / 100)
    joined = ranked.join(levels, (levels.c.level * r.n + 99) // 100 == r.k)
    # levels reached after the same delay are a run (delays grow with the level)
    place = (
        (r.seen - r.seen % HOUR).label("hour"),
        r.account,
        r.sender,
        r.gateway,
    )
    per_request = (
        select(
            *place,
            func.min(levels.c.level).label("level_from"),
            func.max(levels.c.level).label("level_to"),
            r.delay,
        )
        .select_from(joined)
        .group_by(*place, r.request_id, r.delay)
    )
    if seen is not None:
        per_request = per_request.where(r.seen >= seen[0], r.seen < seen[1])
    runs = per_request.subquery("runs")
    cols = [runs.c[name] for name in KEY]
    return select(*cols, func.count().label("requests")).group_by(*cols)
