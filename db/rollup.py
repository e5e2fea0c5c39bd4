"""Rollup maintenance: keys, buckets and the deltas one write causes (hourly and daily)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    case,
    cast,
    func,
)

from db.bulk import Counts, add_counts, insert_missing
from db.curves import COMPLETION, request_keys, signature
from db.days import BY_HOURLY, day_counts
from db.models import (
    FilterValue,
    Message,
    RollupCalls,
    RollupCountries,
    RollupDelays,
    RollupMessages,
    RollupOutcomes,
)
from db.types import epoch

HOUR = 3600
NOT_LEFT = -1  # exit_hour of a message still in the backlog
# (below this many seconds, round down to a multiple of): 1 s, 5 s, 30 s, 5 min, 30 min, 1 h
DELAY_STEPS = ((10, 1), (60, 5), (600, 30), (3600, 300), (86400, 1800))
DELAY_TOP_STEP = 3600
# the same for call latency in milliseconds: 1, 5, 50, 500, then 5,000 ms
LATENCY_STEPS = ((10, 1), (100, 5), (1000, 50), (10000, 500))
LATENCY_TOP_STEP = 5000
# A message's outcome from its finality columns: the rollup's `status`, in SQL.
STATUS = case(
    (
        Message.final_at.is_not(None),
        case((Message.receipt_state == 2, "delivered"), else_="failed"),
    ),
    (Message.gave_up_at.is_(None), "pending"),
    else_="gave_up",
)
Tally = defaultdict[tuple[Any, ...], int]
MESSAGES: Table = RollupMessages.__table__  # type: ignore[assignment]
OUTCOMES: Table = RollupOutcomes.__table__  # type: ignore[assignment]
DELAYS: Table = RollupDelays.__table__  # type: ignore[assignment]
CALLS: Table = RollupCalls.__table__  # type: ignore[assignment]
COUNTRIES: Table = RollupCountries.__table__  # type: ignore[assignment]
FILTERS: Table = FilterValue.__table__  # type: ignore[assignment]


def _seconds(value: datetime | int) -> int:
    return value if isinstance(value, int) else int(value.timestamp())


def hour_of(value: datetime | int) -> int:
    stamp = _seconds(value)
    return stamp - stamp % HOUR


def message_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The rollup key of a stored row (times as integer seconds, as the write path has them)."""
    seen, final, gave_up = row["first_seen_at"], row["final_at"], row["gave_up_at"]
    left = final if final is not None else gave_up
    receipt = row["receipt_state"]
    if final is not None:
        status = "delivered" if receipt == 2 else "failed"
    else:
        status = "pending" if gave_up is None else "gave_up"
    state = row["request_state"]
    return (
        seen - seen % HOUR,
        row["account"],
        row["sender"] or "",
        row["gateway"] or "",
        -1 if state is None else state,
        -1 if receipt is None else receipt,
        status,
        NOT_LEFT if left is None else left - left % HOUR,
    )


def outcome_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The rollup_outcomes key within a rollup_messages key: without the two codes."""
    return key[:4] + key[6:]


def country_key(key: tuple[Any, ...], row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The rollup_countries key of a row whose rollup_messages key is ``key``."""
    final = row["final_at"]
    if final is None:
        delay = -1
    else:
        delay = delay_bucket(final - (row["created_at"] or row["first_seen_at"]))
    return (*key[:4], row["country"] or "", key[6], delay)


def _steps(table: tuple[tuple[int, int], ...], top: int) -> tuple[list[int], list[int]]:
    return [limit for limit, _step in table], [step for _limit, step in table] + [top]


_DELAY = _steps(DELAY_STEPS, DELAY_TOP_STEP)
_LATENCY = _steps(LATENCY_STEPS, LATENCY_TOP_STEP)


def _round_down(value: int, steps: tuple[list[int], list[int]]) -> int:
    limits, sizes = steps
    return value - value % sizes[bisect_right(limits, value)]  # per message: bisect, no loop


def delay_bucket(seconds: float) -> int:
    """Exact below 10 s, then ever coarser steps: a histogram of bounded size."""
    return _round_down(max(0, int(seconds)), _DELAY)


def latency_bucket(ms: float) -> int:
    return _round_down(max(0, int(ms)), _LATENCY)


class Deltas:
    """Counts to add to the rollups, gathered during one write and applied at its end."""

    def __init__(self) -> None:
        # defaultdict, not Counter: its missing-key path runs in C (this is per message)
        self.messages: Tally = defaultdict(int)
        self.outcomes: Tally = defaultdict(int)
        self.delays: Tally = defaultdict(int)
        self.calls: Tally = defaultdict(int)
        self.completion: Tally = defaultdict(int)
        self.countries: Tally = defaultdict(int)
        self.filters: set[tuple[str, str, str]] = set()

    def message_changed(self, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        new_key = message_key(new)
        old_key = None if old is None else message_key(old)
        if old is not None and old_key == new_key and old["created_at"] == new["created_at"]:
            return  # the usual poll: nothing counted changed
        if old_key != new_key:
            self._moved(old, old_key, new, new_key)
        # (a creation time learnt after a message became final moves only its delay)
        new_country = country_key(new_key, new)
        old_country = None if old is None or old_key is None else country_key(old_key, old)
        if old_country != new_country:
            if old_country is not None:
                self.countries[old_country] -= 1
            self.countries[new_country] += 1

    def _moved(
        self,
        old: Mapping[str, Any] | None,
        old_key: tuple[Any, ...] | None,
        new: Mapping[str, Any],
        new_key: tuple[Any, ...],
    ) -> None:
        if old_key is not None:
            self.messages[old_key] -= 1
            self.outcomes[outcome_key(old_key)] -= 1
        self.messages[new_key] += 1
        self.outcomes[outcome_key(new_key)] += 1
        origin = new["created_at"] or new["first_seen_at"]
        sent, final = new["sent_at"], new["final_at"]
        if sent is not None and (old is None or old["sent_at"] is None):
            self.delays[(*new_key[:4], "sent", delay_bucket(sent - origin))] += 1
        if final is not None and (old is None or old["final_at"] is None):
            self.delays[(*new_key[:4], "final", delay_bucket(final - origin))] += 1

    def request_changed(self, old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> None:
        """A request's messages before and after the write (all of them, each time)."""
        if signature(old) == signature(new):
            return
        for key in request_keys(old):
            self.completion[key] -= 1
        for key in request_keys(new):
            self.completion[key] += 1

    def call(self, account: str, call: Any) -> None:
        self.calls[
            (
                hour_of(call.started_at),
                account,
                call.method,
                call.outcome,
                -1 if call.http_status is None else call.http_status,
                -1 if call.error_code is None else call.error_code,
                latency_bucket(call.duration_ms),
            )
        ] += 1

    def apply(self, conn: Connection) -> None:
        counts = []
        for table, deltas in (
            (MESSAGES, self.messages),
            (OUTCOMES, self.outcomes),
            (DELAYS, self.delays),
            (CALLS, self.calls),
            (COMPLETION, self.completion),
            (COUNTRIES, self.countries),
        ):
            pair = BY_HOURLY[table.name]
            counts.append(_counts(table, deltas, pair.count))
            counts.append(_counts(pair.daily, day_counts(table.name, deltas), pair.count))
        add_counts(conn, counts)
        if self.filters:
            insert_missing(
                conn, FILTERS.name, ("account", "sender", "gateway"), sorted(self.filters)
            )


def _counts(table: Table, counts: dict[tuple[Any, ...], int], column: str) -> Counts:
    """What add_counts needs for one table: its key columns and the rows that change."""
    keys = tuple(c.name for c in table.primary_key.columns)
    return table.name, keys, column, [(*key, n) for key, n in counts.items() if n]


def delay_sql(seconds: Any) -> Any:
    """delay_bucket() in SQL."""
    whens = [(seconds < limit, seconds - seconds % step) for limit, step in DELAY_STEPS]
    return case(*whens, else_=seconds - seconds % DELAY_TOP_STEP)


def latency_sql(duration_ms: Any, dialect: str) -> Any:
    """latency_bucket() in SQL."""
    # floor, not a bare CAST: PostgreSQL's CAST rounds where Python's int() truncates.
    ms = cast(func.floor(duration_ms) if dialect == "postgresql" else duration_ms, BigInteger)
    whens = [(ms < limit, ms - ms % step) for limit, step in LATENCY_STEPS]
    return case(*whens, else_=ms - ms % LATENCY_TOP_STEP)


def delay_since(column: Any, origin: Any) -> Any:
    """The bucketed seconds from ``origin`` to ``column`` (never negative), in SQL."""
    end, start = epoch(column), epoch(origin)
    return delay_sql(case((end < start, 0), else_=end - start))
