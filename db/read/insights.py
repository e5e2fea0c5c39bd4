"""Insight queries: receipt coverage and the shift of the final-outcome mix."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pandas as pd
from sqlalchemy import Engine, case, func, or_

from db.codes import RECEIPT_FINAL
from db.models import Message, RollupMessages
from db.read.buckets import buckets
from db.read.filters import Filters, to_times
from db.read.significance import shifts
from db.read.split import message_counts

DAY = 86400
WEEK = timedelta(days=7)
# "Sent" as the collector's sent_at means it: the request state says sent, or a receipt
# (of any kind) came back. The rollups keep codes, not sent_at; NULL codes are -1 there.
_R = RollupMessages
SENT_ROLLUP = or_(_R.request_state == 2, _R.receipt_state > 0)
SENT_RAW = or_(Message.request_state == 2, func.coalesce(Message.receipt_state, 0) > 0)
FINAL_ROLLUP = _R.status.in_(("delivered", "failed"))


def _final_receipt(column: object) -> object:
    return case((column.in_(sorted(RECEIPT_FINAL)), 1), else_=0)  # type: ignore[attr-defined]


def receipt_coverage(engine: Engine, filters: Filters, zone: str = "UTC") -> pd.DataFrame:
    """gateway, day, sent, covered, coverage — sent messages and those with a final receipt.

    Days are the local days of the time zone named ``zone``, by when a message was first seen.
    """
    step = buckets(filters, DAY, zone)
    data = message_counts(
        engine,
        filters,
        [
            _R.gateway.label("gateway"),
            step.expr(_R.hour).label("day"),
            _final_receipt(_R.receipt_state).label("covered"),  # type: ignore[attr-defined]
        ],
        [
            func.coalesce(Message.gateway, "").label("gateway"),
            step.expr(Message.first_seen_at).label("day"),
            _final_receipt(Message.receipt_state).label("covered"),  # type: ignore[attr-defined]
        ],
        rollup_where=[SENT_ROLLUP],
        raw_where=[SENT_RAW],
        rollups=step.hourly,
        step=step,
    )
    table: dict[tuple[str, int], list[int]] = {}
    for gw, day, covered, n in zip(
        data["gateway"], data["day"], data["covered"], data["n"], strict=True
    ):
        cell = table.setdefault((str(gw), int(day)), [0, 0])
        cell[0] += int(n)
        if int(covered):
            cell[1] += int(n)
    rows = [(gw, day, sent, cov) for (gw, day), (sent, cov) in sorted(table.items())]
    frame = pd.DataFrame(rows, columns=["gateway", "day", "sent", "covered"])
    frame["day"] = to_times(frame["day"]) if len(frame) else pd.Series(dtype="datetime64[ns, UTC]")
    frame["coverage"] = frame["covered"] / frame["sent"]
    return frame


def coverage_by_gateway(days: pd.DataFrame) -> pd.DataFrame:
    """gateway, sent, covered, coverage — receipt_coverage() summed over the days."""
    totals = days.groupby("gateway", as_index=False)[["sent", "covered"]].sum()
    totals["coverage"] = totals["covered"] / totals["sent"]
    return totals


def final_outcomes(engine: Engine, filters: Filters) -> Counter[tuple[str, int]]:
    """Final messages by outcome: ("receipt", code) for a final receipt, else
    ("request_state", code) for a request state that ended the message."""
    data = message_counts(
        engine,
        filters,
        [_R.request_state, _R.receipt_state],
        [
            func.coalesce(Message.request_state, -1).label("request_state"),
            func.coalesce(Message.receipt_state, -1).label("receipt_state"),
        ],
        rollup_where=[FINAL_ROLLUP],
        raw_where=[Message.final_at.is_not(None)],
    )
    counts: Counter[tuple[str, int]] = Counter()
    for state, receipt, n in zip(
        data["request_state"], data["receipt_state"], data["n"], strict=True
    ):
        key = ("receipt", int(receipt)) if receipt in RECEIPT_FINAL else ("request_state", state)
        counts[(key[0], int(key[1]))] += int(n)
    return counts


def week_before(filters: Filters) -> Filters:
    return replace(filters, start=filters.start - WEEK, end=filters.end - WEEK)


def outcome_shift(engine: Engine, filters: Filters) -> pd.DataFrame:
    """kind, code, now, before, share_now, share_before, change_pp, p_value, flagged.

    The range against the same range one week earlier (a weekly rhythm cancels out);
    see db.read.significance for when a change is flagged.
    """
    now, before = final_outcomes(engine, filters), final_outcomes(engine, week_before(filters))
    n1, n2 = sum(now.values()), sum(before.values())
    tested = shifts(now, before)
    rows = []
    for key in sorted(tested):
        share_now = now[key] / n1 if n1 else None
        share_before = before[key] / n2 if n2 else None
        change = (
            None if share_now is None or share_before is None else 100 * (share_now - share_before)
        )
        p, flagged = tested[key]
        rows.append((*key, now[key], before[key], share_now, share_before, change, p, flagged))
    columns = ["kind", "code", "now", "before", "share_now", "share_before", "change_pp"]
    return pd.DataFrame(rows, columns=[*columns, "p_value", "flagged"])
