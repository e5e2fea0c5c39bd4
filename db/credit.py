"""The credit runway: how long the credit lasts at the recent spend rate (no pandas: the
collector's alert rules read it too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import Engine, select

from db.models import CreditSample


@dataclass(frozen=True)
class Runway:
    credit: float | None
    spend_per_hour: float | None
    hours_left: float | None


def runway(
    engine: Engine, account: str | None, now: datetime, window: timedelta = timedelta(hours=24)
) -> Runway:
    """Time until the credit runs out at the recent spend rate (top-ups are not spend)."""
    scope = [CreditSample.account == account] if account else []
    with engine.connect() as conn:
        samples = conn.execute(
            select(CreditSample.observed_at, CreditSample.credit)
            .where(CreditSample.observed_at >= now - window, *scope)
            .order_by(CreditSample.observed_at)
        ).all()
    if not samples:
        return Runway(None, None, None)
    latest = float(samples[-1][1])
    spent = sum(max(0.0, a[1] - b[1]) for a, b in pairwise(samples))
    hours = (samples[-1][0] - samples[0][0]).total_seconds() / 3600
    if hours <= 0 or spent <= 0:
        return Runway(latest, 0.0 if hours > 0 else None, None)
    rate = spent / hours
    return Runway(latest, rate, latest / rate)
