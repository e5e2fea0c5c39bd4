"""The backlog's past: how many messages were not final, and how old, at each moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from db.models import Message, RollupOutcomes
from db.read import split as split_module
from db.read.ages import AGE_BUCKETS
from db.read.buckets import Buckets, buckets
from db.read.filters import Filters, epoch, to_times
from db.read.split import rollup_scope
from db.rollup import HOUR, NOT_LEFT, STATUS
from db.types import to_epoch

OUTCOMES = ("pending", "gave_up", "failed", "delivered")
EMPTY_SERIES = pd.DataFrame(
    {
        "bucket": pd.Series(dtype="datetime64[ns, UTC]"),
        **{c: pd.Series(dtype="int64") for c in ("not_final", *OUTCOMES)},
    }
)
EMPTY_HEATMAP = pd.DataFrame(columns=["bucket", "age", "messages"])


def _use_rollups(step: Buckets) -> bool:
    return split_module.ROLLUPS and step.hourly


class Spans(NamedTuple):
    """Stretches in the backlog: first seen, left (NaN while still in), outcome, how many.

    Plain arrays: a few thousand rows, where building DataFrames cost more than the query.
    """

    first_seen: np.ndarray
    left: np.ndarray
    status: np.ndarray
    n: np.ndarray


def _read_spans(engine: Engine, queries: list[Any]) -> Spans:
    """Rows of (first_seen, left, status[, n]) as arrays; a NULL or NOT_LEFT left is NaN."""
    rows: list[Any] = []
    with engine.connect() as conn:
        for query in queries:
            rows.extend(conn.execute(query).all())
    if not rows:
        empty = np.empty(0)
        return Spans(empty, empty, np.empty(0, dtype=object), np.empty(0, dtype="int64"))
    columns = list(zip(*rows, strict=True))
    left = [np.nan if v is None or v == NOT_LEFT else v for v in columns[1]]
    counts = columns[3] if len(columns) > 3 else (1,) * len(rows)
    return Spans(
        np.asarray(columns[0], dtype="float64"),
        np.asarray(left, dtype="float64"),
        np.asarray(columns[2], dtype=object),
        np.asarray(counts, dtype="int64"),
    )


def _spans(engine: Engine, filters: Filters, since: int | None = None) -> Spans:
    """Every message in the backlog at some moment of the range, one span each; given
    ``since``, only those first seen from then on.

    Three index-served parts: still pending, final since the start, given up since the start.
    """
    seen, final, gave_up = (
        epoch(c) for c in (Message.first_seen_at, Message.final_at, Message.gave_up_at)
    )
    scope = [Message.first_seen_at < filters.end, *filters.message_scope()]
    left_from = filters.start
    if since is not None:
        first_seen = datetime.fromtimestamp(since, UTC)
        scope.append(Message.first_seen_at >= first_seen)
        # A message that left before ``since`` and was first seen after it is in the
        # backlog at no moment, so the exits are read from there: the last two hours'
        # exits, not the whole range's (30 days at 1M messages: 90 of 120 ms).
        left_from = max(left_from, first_seen)
    status = STATUS.label("status")
    # "+ 0": SQLite has no statistics on how many rows a one-sided range holds and, for
    # a tie, walks everything first seen before the end instead of the few final since
    # the start (10M: 2.7 s against a few ms for the last hour).
    before_end = seen + 0 < to_epoch(filters.end)
    parts = [
        select(seen.label("first_seen"), final.label("left"), status).where(
            Message.final_at >= left_from, before_end, *scope[1:]
        ),
        select(seen.label("first_seen"), gave_up.label("left"), status).where(
            Message.final_at.is_(None), Message.gave_up_at >= left_from, *scope
        ),
        select(seen.label("first_seen"), final.label("left"), status).where(
            Message.final_at.is_(None), Message.gave_up_at.is_(None), *scope
        ),
    ]
    return _read_spans(engine, parts)


def _rollup_spans(
    engine: Engine, filters: Filters, first: int, step: Buckets, before: int
) -> Spans:
    """Rollup rows of hours before ``before`` in the backlog at some bucket end from ``first``.

    Bucket ends lie on hour boundaries, so a row counts at an end T when its hour < T <= its
    exit hour — or, the same for every end, <= the start of its exit hour's bucket. Rows
    are read with that bucket start as their exit, which merges them, and the many that
    never reach an end (they left within their bucket) are not read at all. Two
    index-served parts (left since ``first``, not left yet) rather than one OR.
    """
    r = RollupOutcomes
    # "+ 0": the hour bound must not tempt SQLite into walking the primary key over every
    # hour before the end; the exit hour's index is the narrow one.
    scope = [r.hour + 0 < min(before, int(filters.end.timestamp())), *rollup_scope(r, filters)]
    left = r.exit_hour if step.seconds == HOUR else step.expr(r.exit_hour)
    # Both parts carry the partial index's own term, the form in which either planner
    # sees that the index holds their rows. Rows that left within their hour (a third of
    # them at 10M synthetic messages, two thirds at 1M) never reach an hour's end and are
    # not in it.
    moved = r.exit_hour != r.hour
    parts = (
        (left, [r.exit_hour >= first, moved, left > r.hour]),
        (r.exit_hour, [r.exit_hour == NOT_LEFT, moved]),
    )
    return _read_spans(
        engine,
        [
            select(r.hour, exit_at.label("left"), r.status, func.sum(r.messages))
            .where(*conditions, *scope)
            .group_by(r.hour, exit_at, r.status)
            for exit_at, conditions in parts
        ],
    )


def _edges(filters: Filters, step: Buckets) -> np.ndarray:
    """The edges of the last 200 buckets: each bucket's start, then the last one's end."""
    start, end = int(filters.start.timestamp()), int(filters.end.timestamp())
    return np.asarray(step.edges(start, end), dtype="int64")[-201:]


def _present(spans: Spans, ends: np.ndarray) -> np.ndarray:
    """A (len(ends), len(spans)) mask: was each span in the backlog at each end?"""
    seen, left = spans.first_seen, spans.left
    at = ends[:, None].astype("float64")
    return (seen[None, :] < at) & (np.isnan(left)[None, :] | (left[None, :] >= at))


def backlog_history(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backlog over time and its age heatmap, from one read of the backlog's spans.

    Day buckets are the local days of the time zone named ``zone``, each measured at its end.
    """
    step = buckets(filters, seconds, zone)
    edges = _edges(filters, step)
    starts, ends = edges[:-1], edges[1:]
    rollups = _use_rollups(step)
    if not len(ends):
        return EMPTY_SERIES.copy(), EMPTY_HEATMAP.copy()
    if rollups:
        # The last two hours row by row: a message there is aged to the second, not from
        # the middle of its hour (the current column would read 30 min for a 4-min-old one).
        young = int(filters.end.timestamp()) // HOUR * HOUR - HOUR
        old = _rollup_spans(engine, filters, int(starts[0]), step, young)
        old = old._replace(first_seen=old.first_seen + HOUR // 2)
        spans = Spans(
            *(np.concatenate(p) for p in zip(old, _spans(engine, filters, young), strict=True))
        )
    else:
        spans = _spans(engine, filters)
    if not len(spans.n):
        return EMPTY_SERIES.copy(), EMPTY_HEATMAP.copy()
    # The bucket still running is measured now, not at its end in the future: a message
    # four minutes old is "< 5 min" here as on the bar chart beside it.
    at = np.minimum(ends, int(filters.end.timestamp()))
    mask = _present(spans, at)
    series = _series(spans, starts, mask)
    return series, _heatmap(spans, starts, at, mask)


def backlog_over_time(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, not_final, then the same split by how those messages ended (or not yet).

    Columns delivered, failed, pending and gave_up add up to not_final at each bucket end.
    """
    return backlog_history(engine, filters, seconds, zone)[0]


def aging_heatmap(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, age, messages — at the end of each bucket, how old the not-final messages were.

    In hourly views a message older than the last two hours is aged from the middle of its hour.
    """
    return backlog_history(engine, filters, seconds, zone)[1]


def _series(spans: Spans, starts: np.ndarray, mask: np.ndarray) -> pd.DataFrame:
    weighted = mask * spans.n[None, :]
    result = pd.DataFrame(
        {
            "bucket": to_times(pd.Series(starts)),
            "not_final": weighted.sum(axis=1).astype("int64"),
        }
    )
    status = spans.status
    for outcome in OUTCOMES:
        result[outcome] = weighted[:, status == outcome].sum(axis=1).astype("int64")
    return result


def _heatmap(spans: Spans, starts: np.ndarray, at: np.ndarray, mask: np.ndarray) -> pd.DataFrame:
    # Rollup rows stand at the middle of their hour (set when read), raw rows at their second.
    seen = spans.first_seen.astype("int64")
    limits = [limit for _label, limit in AGE_BUCKETS if limit is not None]
    # (end, span) -> age bucket index; then sum the counts per (end, bucket) in one pass.
    which = np.searchsorted(limits, at[:, None] - seen[None, :], side="right")
    counts = np.zeros((len(starts), len(AGE_BUCKETS)), dtype="int64")
    weights = np.broadcast_to(spans.n[None, :], mask.shape)
    rows = np.broadcast_to(np.arange(len(starts))[:, None], mask.shape)
    np.add.at(counts, (rows[mask], which[mask]), weights[mask])
    end_index, age_index = np.nonzero(counts)
    return pd.DataFrame(
        {
            "bucket": to_times(pd.Series(starts[end_index])),
            "age": [AGE_BUCKETS[i][0] for i in age_index],
            "messages": counts[end_index, age_index],
        }
    )
