"""Destination countries: messages, outcomes and time to final per country of the number."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func

from db.models import Message, RollupCountries
from db.read.filters import Filters
from db.read.split import message_counts, percentiles
from db.rollup import STATUS, delay_since

COLUMNS = [
    "country",
    "messages",
    "delivered",
    "failed",
    "delivered_share",
    "failed_share",
    "final",
    "p50",
    "p90",
]


def by_country(engine: Engine, filters: Filters) -> pd.DataFrame:
    """country, messages, delivered, failed, delivered_share, failed_share, final, p50, p90.

    Messages first seen in the range, per destination country ('' where none was derived,
    'ZZ' where the number could not be placed), most messages first. Shares are of all the
    country's messages; p50 and p90 are seconds from creation to final over its final
    messages (delivered or failed), in the delay rollup's steps; None without any.
    """
    origin = func.coalesce(Message.created_at, Message.first_seen_at)
    c = RollupCountries
    data = message_counts(
        engine,
        filters,
        [c.country, c.status, c.delay],
        [
            func.coalesce(Message.country, "").label("country"),
            STATUS.label("status"),
            case(
                (Message.final_at.is_(None), -1), else_=delay_since(Message.final_at, origin)
            ).label("delay"),
        ],
        table=RollupCountries,
    )
    totals: dict[str, dict[str, int]] = {}
    delays: dict[str, dict[float, int]] = {}
    for country, status, delay, n in zip(
        data["country"], data["status"], data["delay"], data["n"], strict=True
    ):
        counts = totals.setdefault(str(country), {})
        counts[status] = counts.get(status, 0) + int(n)
        if int(delay) >= 0:
            histogram = delays.setdefault(str(country), {})
            histogram[float(delay)] = histogram.get(float(delay), 0) + int(n)
    rows = []
    for country, counts in totals.items():
        messages = sum(counts.values())
        delivered, failed = counts.get("delivered", 0), counts.get("failed", 0)
        # a bin can only go negative if raw rows and rollups disagree: left out, not counted
        histogram = {d: n for d, n in delays.get(country, {}).items() if n > 0}
        p50, p90 = percentiles(histogram, (0.5, 0.9)) if histogram else (None, None)
        rows.append(
            (
                country,
                messages,
                delivered,
                failed,
                delivered / messages if messages else None,
                failed / messages if messages else None,
                sum(histogram.values()),
                p50,
                p90,
            )
        )
    rows.sort(key=lambda r: (-int(r[1] or 0), str(r[0])))
    return pd.DataFrame(rows, columns=COLUMNS)
