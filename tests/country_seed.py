"""Messages to several countries with known outcomes and times to final, via the write path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from db.records import NumberRecord, Observations, RequestRecord
from db.write import record

CREATED_BEFORE = 20  # seconds from a request's creation to its first sighting


@dataclass(frozen=True)
class Sent:
    number: str
    country: str  # what the test expects db.country to say
    minutes_ago: int
    outcome: str  # delivered | failed | pending
    delay: int = 0  # seconds from creation to final; exact in the delay buckets
    sender: str = "MyShop"


CZ, SK, DE = "420777{:06d}", "421905{:06d}", "49151{:08d}"
SEED = [
    Sent(CZ.format(1), "CZ", 30, "delivered", 25),
    Sent(CZ.format(2), "CZ", 95, "delivered", 40),
    Sent(CZ.format(3), "CZ", 200, "delivered", 120),
    Sent(CZ.format(4), "CZ", 320, "delivered", 300, "Bank"),
    Sent(CZ.format(5), "CZ", 500, "delivered", 900),
    Sent(CZ.format(6), "CZ", 610, "failed", 45, "Bank"),
    Sent(CZ.format(7), "CZ", 20, "pending"),
    Sent(SK.format(1), "SK", 45, "delivered", 40),
    Sent(SK.format(2), "SK", 130, "failed", 150, "Bank"),
    Sent(SK.format(3), "SK", 700, "failed", 1800),
    Sent(DE.format(1), "DE", 70, "delivered", 25),
    Sent(DE.format(2), "DE", 260, "delivered", 3600),
    Sent("999123456789", "ZZ", 150, "delivered", 40),  # no such calling code
    Sent("42077712345", "ZZ", 15, "pending"),  # one digit short for a Czech number
    # a day and more ago: outside "the last 24 hours"
    Sent(CZ.format(8), "CZ", 30 * 60, "failed", 60),
    Sent(SK.format(4), "SK", 26 * 60, "delivered", 30),
]
RECEIPTS = {"delivered": 2, "failed": 3, "pending": 1}


def seed_countries(engine: Engine, now: datetime) -> None:
    """One request per message: listed and first polled, then polled once it is final."""
    for i, sent in enumerate(SEED):
        rid = f"c{i}"
        seen = now - timedelta(minutes=sent.minutes_ago)
        created = seen - timedelta(seconds=CREATED_BEFORE)
        listed = RequestRecord(rid, "high", created, None, sent.sender, None, 2)
        first = NumberRecord(sent.number, 2, 1, 0)
        record(engine, Observations("acme", seen, listed=[listed], statuses={rid: [first]}))
        if sent.outcome == "pending":
            continue
        answer = NumberRecord(sent.number, 2, 0, RECEIPTS[sent.outcome])
        at = created + timedelta(seconds=sent.delay)
        record(engine, Observations("acme", at, statuses={rid: [answer]}))


def in_day(sender: str | None = None) -> list[Sent]:
    """The seed's messages first seen in the last 24 hours, of ``sender`` if given."""
    return [s for s in SEED if s.minutes_ago < 24 * 60 and (sender is None or s.sender == sender)]


def nearest_rank(values: list[int], q: float) -> float:
    """The q-quantile as the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(q * len(ordered))) - 1])


def truth(sent: list[Sent]) -> dict[str, tuple[int, int, int, float | None, float | None]]:
    """country -> messages, delivered, failed, p50 and p90 of the final messages' delays."""
    out = {}
    for country in {s.country for s in sent}:
        mine = [s for s in sent if s.country == country]
        finals = [s.delay for s in mine if s.outcome != "pending"]
        out[country] = (
            len(mine),
            sum(s.outcome == "delivered" for s in mine),
            sum(s.outcome == "failed" for s in mine),
            nearest_rank(finals, 0.5) if finals else None,
            nearest_rank(finals, 0.9) if finals else None,
        )
    return out
