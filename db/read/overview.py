"""Overview queries: KPI figures, state and receipt distributions, outcome over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from db.cohorts import PENDING
from db.models import ApiCall, Message, RollupCalls, RollupMessages, RollupOutcomes
from db.read.buckets import buckets
from db.read.filters import Filters, to_times
from db.read.split import call_counts, message_counts
from db.read.sums import nullable
from db.rollup import STATUS

DELIVERED = and_(Message.final_at.is_not(None), Message.receipt_state == 2)
FAILED = and_(Message.final_at.is_not(None), func.coalesce(Message.receipt_state, -1) != 2)
GAVE_UP = and_(Message.final_at.is_(None), Message.gave_up_at.is_not(None))
OUTCOMES = ("delivered", "failed", "pending", "gave_up")


@dataclass(frozen=True)
class Kpis:
    messages: int
    delivered: int
    failed: int
    pending: int
    oldest_pending: datetime | None
    gave_up: int
    calls: int
    call_errors: int

    def share(self, part: int) -> float | None:
        return part / self.messages if self.messages else None

    @property
    def error_rate(self) -> float | None:
        return self.call_errors / self.calls if self.calls else None


def kpis(engine: Engine, filters: Filters) -> Kpis:
    by_status = message_counts(
        engine, filters, [RollupOutcomes.status], [STATUS.label("status")], table=RollupOutcomes
    )
    counts = dict(zip(by_status["status"], by_status["n"], strict=True))
    ok = RollupCalls.outcome == "ok"
    calls = call_counts(
        engine,
        filters,
        [case((ok, "ok"), else_="error").label("kind")],
        [case((ApiCall.outcome == "ok", "ok"), else_="error").label("kind")],
    )
    by_kind = dict(zip(calls["kind"], calls["n"], strict=True))
    # The oldest pending message: the first entry of the partial backlog index.
    with engine.connect() as conn:
        oldest = conn.execute(
            select(func.min(Message.first_seen_at)).where(PENDING, *filters.messages())
        ).scalar_one()
    return Kpis(
        messages=int(sum(counts.values())),
        delivered=int(counts.get("delivered", 0)),
        failed=int(counts.get("failed", 0)),
        pending=int(counts.get("pending", 0)),
        oldest_pending=oldest,
        gave_up=int(counts.get("gave_up", 0)),
        calls=int(sum(by_kind.values())),
        call_errors=int(by_kind.get("error", 0)),
    )


def _distribution(engine: Engine, filters: Filters, rollup: Any, raw: Any) -> pd.DataFrame:
    data = message_counts(engine, filters, [nullable(rollup, "code")], [raw.label("code")])
    data = data.rename(columns={"n": "messages"})
    data["code"] = data["code"].astype("Int64")
    return data.sort_values("code", na_position="first").reset_index(drop=True)


def request_state_distribution(engine: Engine, filters: Filters) -> pd.DataFrame:
    """code, messages — one row per request state the messages are in."""
    return _distribution(engine, filters, RollupMessages.request_state, Message.request_state)


def receipt_distribution(engine: Engine, filters: Filters) -> pd.DataFrame:
    """code, messages — one row per delivery receipt code."""
    return _distribution(engine, filters, RollupMessages.receipt_state, Message.receipt_state)


def outcome_over_time(
    engine: Engine, filters: Filters, seconds: int, zone: str = "UTC"
) -> pd.DataFrame:
    """bucket, delivered, failed, pending, gave_up — by when messages were first seen.

    Day buckets are the local days of the time zone named ``zone``.
    """
    step = buckets(filters, seconds, zone)
    data = message_counts(
        engine,
        filters,
        [step.expr(RollupOutcomes.hour).label("bucket"), RollupOutcomes.status],
        [step.expr(Message.first_seen_at).label("bucket"), STATUS.label("status")],
        rollups=step.hourly,
        table=RollupOutcomes,
        step=step,
    )
    # A few hundred rows at most: a dict beats pivot_table here.
    table: dict[int, dict[str, int]] = {}
    for when, status, n in zip(data["bucket"], data["status"], data["n"], strict=True):
        table.setdefault(int(when), dict.fromkeys(OUTCOMES, 0))[status] += int(n)
    slots = sorted(table)
    wide = pd.DataFrame({o: [table[b][o] for b in slots] for o in OUTCOMES}, dtype="int64")
    wide.insert(0, "bucket", to_times(pd.Series(slots, dtype="int64")))
    return wide
