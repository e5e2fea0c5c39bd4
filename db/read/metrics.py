"""The small aggregate queries behind the collector's /metrics, run once after each cycle:
pandas-free, as the collector loads no pandas."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from db.cohorts import PENDING
from db.credit import runway
from db.models import ApiCall, CreditSample, Message, Request, RollupMessages
from db.read.ages import AGE_BUCKETS, ages
from db.read.filters import Filters
from db.read.sums import nullable


@dataclass(frozen=True)
class MetricsSnapshot:
    """One account's figures at one instant; every field is what the database says."""

    at: datetime
    # (request_state, receipt_state) -> messages; None where no state is known yet
    codes: dict[tuple[int | None, int | None], int]
    outcomes: dict[str, int]  # delivered | failed | pending | gave_up -> messages
    backlog: dict[str, int]  # age bucket label (AGE_BUCKETS) -> not-final messages
    oldest_pending: datetime | None
    due_requests: int
    credit: float | None
    runway_seconds: float | None  # inf: nothing spent lately; None: too few samples
    last_ok_call: datetime | None

    def by_request_state(self) -> dict[int | None, int]:
        return _sum_by(self.codes, 0)

    def by_receipt(self) -> dict[int | None, int]:
        return _sum_by(self.codes, 1)


def _sum_by(codes: dict[tuple[int | None, int | None], int], index: int) -> dict[int | None, int]:
    out: dict[int | None, int] = {}
    for key, n in codes.items():
        out[key[index]] = out.get(key[index], 0) + n
    return out


Codes = dict[tuple[int | None, int | None], int]


def totals(engine: Engine, account: str) -> tuple[Codes, dict[str, int]]:
    """Messages by (request state, receipt) and by outcome: the rollup holds every message
    once, under its current codes. It grows with history (hours x senders x gateways x
    codes), so this is the one read that costs more than a few milliseconds."""
    r = RollupMessages
    codes: Codes = {}
    outcomes: dict[str, int] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                nullable(r.request_state, "request_state"),
                nullable(r.receipt_state, "receipt_state"),
                r.status,
                func.sum(r.messages),
            )
            .where(r.account == account)
            .group_by(r.request_state, r.receipt_state, r.status)
        ).all()
    for state, receipt, status, n in rows:
        codes[(state, receipt)] = codes.get((state, receipt), 0) + int(n or 0)
        outcomes[status] = outcomes.get(status, 0) + int(n or 0)
    return {k: v for k, v in codes.items() if v}, outcomes


def snapshot(
    engine: Engine,
    account: str,
    now: datetime | None = None,
    reuse: MetricsSnapshot | None = None,
) -> MetricsSnapshot:
    """Read everything /metrics shows for ``account``: rollups and indexed probes only.

    With ``reuse``, its totals by code and outcome are kept instead of read again.
    """
    now = now or datetime.now(UTC)
    if reuse is None:
        codes, outcomes = totals(engine, account)
    else:
        codes, outcomes = reuse.codes, reuse.outcomes
    with engine.connect() as conn:
        oldest = conn.execute(
            select(func.min(Message.first_seen_at)).where(PENDING, Message.account == account)
        ).scalar_one()
        due = conn.execute(
            select(func.count())
            .select_from(Request)
            .where(
                Request.account == account,
                Request.gave_up_at.is_(None),
                Request.next_poll_at <= now,
            )
        ).scalar_one()
        credit = conn.execute(
            select(CreditSample.credit)
            .where(CreditSample.account == account)
            .order_by(CreditSample.observed_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        last_ok = conn.execute(
            select(func.max(ApiCall.started_at)).where(
                ApiCall.outcome == "ok", ApiCall.account == account
            )
        ).scalar_one()
    backlog = {label: 0 for label, _limit in AGE_BUCKETS}
    for (label, _state, _receipt), n in ages(
        engine, Filters(now, now, account=account), now
    ).items():
        backlog[label] += n
    left = runway(engine, account, now)
    if left.hours_left is not None:
        runway_seconds: float | None = left.hours_left * 3600
    elif left.spend_per_hour == 0.0:
        runway_seconds = math.inf
    else:
        runway_seconds = None
    return MetricsSnapshot(
        at=now,
        codes=codes,
        outcomes=outcomes,
        backlog=backlog,
        oldest_pending=oldest,
        due_requests=int(due),
        credit=None if credit is None else float(credit),
        runway_seconds=runway_seconds,
        last_ok_call=last_ok,
    )
