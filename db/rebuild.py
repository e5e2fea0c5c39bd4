"""Recompute the rollups from the raw tables: for a migration that adds one, or a bulk load."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Table, case, delete, func, insert, literal, select

from db.curves import COMPLETION, completion_query
from db.days import DAY_ROLLUPS, rebuild_days
from db.models import ApiCall, Message, Request
from db.rollup import (
    CALLS,
    COUNTRIES,
    DELAYS,
    FILTERS,
    HOUR,
    MESSAGES,
    NOT_LEFT,
    OUTCOMES,
    STATUS,
    delay_since,
    latency_sql,
    outcome_key,
)
from db.types import epoch


def _hour(column: Any) -> Any:
    value = epoch(column)
    return value - value % HOUR


def rebuild(conn: Connection, only: Collection[str] | None = None) -> None:
    """Recompute the rollups from the raw tables (for a migration or a bulk load).

    ``only`` names the rollup tables to fill (a migration fills those it creates).
    """
    chosen = [
        t
        for t in (MESSAGES, OUTCOMES, DELAYS, CALLS, COUNTRIES, FILTERS, COMPLETION)
        if only is None or t.name in only
    ]
    for table in chosen:
        conn.execute(delete(table))
    _rebuild_messages(conn, chosen)
    if CALLS in chosen:
        _rebuild_calls(conn)
    if FILTERS in chosen:
        _rebuild_filters(conn)
    if COMPLETION in chosen:
        query = completion_query()
        conn.execute(insert(COMPLETION).from_select(list(query.selected_columns.keys()), query))
    # after the hourly tables: the days are summed from them
    days = {p.daily.name for p in DAY_ROLLUPS if only is None or p.daily.name in only}
    if days:
        rebuild_days(conn, days)


def _rebuild_messages(conn: Connection, chosen: list[Table]) -> None:
    m = Message.__table__.c
    left = func.coalesce(m.final_at, m.gave_up_at)
    keys = (
        m.account,
        _hour(m.first_seen_at).label("hour"),
        func.coalesce(m.sender, "").label("sender"),
        func.coalesce(m.gateway, "").label("gateway"),
        func.coalesce(m.request_state, -1).label("request_state"),
        func.coalesce(m.receipt_state, -1).label("receipt_state"),
        STATUS.label("status"),
        case((left.is_(None), NOT_LEFT), else_=_hour(left)).label("exit_hour"),
    )
    for table, cols in ((MESSAGES, keys), (OUTCOMES, outcome_key(keys))):
        if table in chosen:
            conn.execute(
                insert(table).from_select(
                    [*(k.key for k in cols), "messages"],
                    select(*cols, func.count()).group_by(*cols),
                )
            )
    origin = func.coalesce(m.created_at, m.first_seen_at)
    if COUNTRIES in chosen:
        final = case((m.final_at.is_(None), -1), else_=delay_since(m.final_at, origin))
        cols = (
            *keys[:4],
            func.coalesce(m.country, "").label("country"),
            keys[6],
            final.label("delay"),
        )
        conn.execute(
            insert(COUNTRIES).from_select(
                [*(k.key for k in cols), "messages"],
                select(*cols, func.count()).group_by(*cols),
            )
        )
    if DELAYS not in chosen:
        return
    for measure, column in (("sent", m.sent_at), ("final", m.final_at)):
        delay = delay_since(column, origin)
        cols = (*keys[:4], literal(measure).label("measure"), delay.label("delay"))
        conn.execute(
            insert(DELAYS).from_select(
                [*(k.key for k in cols), "messages"],
                select(*cols, func.count()).where(column.is_not(None)).group_by(*cols),
            )
        )


def _rebuild_calls(conn: Connection) -> None:
    c = ApiCall.__table__.c
    latency = latency_sql(c.duration_ms, conn.dialect.name)
    call_keys = (
        c.account,
        _hour(c.started_at).label("hour"),
        c.method,
        c.outcome,
        func.coalesce(c.http_status, -1).label("http_status"),
        func.coalesce(c.error_code, -1).label("error_code"),
        latency.label("latency_ms"),
    )
    conn.execute(
        insert(CALLS).from_select(
            [*(k.key for k in call_keys), "calls"],
            select(*call_keys, func.count()).group_by(*call_keys),
        )
    )


def _rebuild_filters(conn: Connection) -> None:
    r = Request.__table__.c
    conn.execute(
        insert(FILTERS).from_select(
            ["account", "sender", "gateway"],
            select(r.account, func.coalesce(r.sender, ""), func.coalesce(r.gateway, "")).distinct(),
        )
    )
