"""The SQL aggregates the rules need, each an index-served count over a short window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, case, func, literal_column, select

from collector.alerts.config import AlertSettings, Rule
from db.cohorts import PENDING, Cohorts, Narrowed, age_at, cohorts, limit_column
from db.credit import runway
from db.models import ApiCall, Message
from db.records import ANSWERED
from db.types import from_epoch

AUTH_ERROR = 103
# ANSWERED (ok, and empty: an empty RequestStatus page is an answer, not a failure); every other
# outcome but client_error (9xx, 503, timeouts, connections, garbled, redirected, oversized) is
# the far side's.


@dataclass(frozen=True)
class Calls:
    total: int = 0
    client: int = 0
    server: int = 0


@dataclass
class Aggregates:
    delivery: dict[str, tuple[int, int]] = field(default_factory=dict)  # key: (final, delivered)
    stuck: dict[str, tuple[int, datetime | None]] = field(default_factory=dict)
    calls: Calls = Calls()
    key_rejected_at: datetime | None = None
    credit: float | None = None
    hours_left: float | None = None
    last_ok: datetime | None = None
    first_call: datetime | None = None


def _split(split_by: str | None) -> ColumnElement[str] | None:
    """The instance key: the sender or gateway, or None for one instance per account."""
    column = {"sender": Message.sender, "gateway": Message.gateway}.get(split_by or "")
    return func.coalesce(column, "") if column is not None else None


def _grouped(query: Any, key: ColumnElement[str] | None) -> Any:
    if key is None:
        return query.add_columns(literal_column("''").label("key"))
    return query.add_columns(key.label("key")).group_by(key)


def measure(engine: Engine, account: str, settings: AlertSettings, now: datetime) -> Aggregates:
    """Only what the enabled rules read."""
    rules = {r.name: r for r in settings.enabled()}
    agg = Aggregates()
    stuck = rules.get("stuck")
    # Each kind's usual time to final, from the delay rollups: a few hundred rows.
    known = cohorts(engine, Narrowed(account), now) if stuck and stuck.late else None
    with engine.connect() as conn:
        if rule := rules.get("delivery_rate"):
            agg.delivery = _delivery(
                conn, account, now - (rule.window or timedelta(0)), now, rule.split_by
            )
        if stuck:
            agg.stuck = _stuck(conn, account, now, stuck, known)
        if rule := rules.get("api_errors"):
            agg.calls = _calls(conn, account, now - (rule.window or timedelta(0)), now)
        agg.key_rejected_at = _key_rejected(conn, account)
        agg.last_ok = _newest(conn, account, ApiCall.outcome.in_(ANSWERED))
        if agg.last_ok is None:
            agg.first_call = conn.execute(
                select(func.min(ApiCall.started_at)).where(ApiCall.account == account)
            ).scalar_one()
    if rule := rules.get("credit"):
        figures = runway(engine, account, now, rule.window or timedelta(hours=24))
        agg.credit, agg.hours_left = figures.credit, figures.hours_left
    return agg


def _delivery(
    conn: Connection, account: str, since: datetime, now: datetime, split_by: str | None
) -> dict[str, tuple[int, int]]:
    key = _split(split_by)
    delivered = func.sum(case((Message.receipt_state == 2, 1), else_=0))
    query = select(func.count(), delivered).where(
        Message.account == account, Message.final_at >= since, Message.final_at <= now
    )
    rows = conn.execute(_grouped(query, key)).all()
    return {str(k or ""): (int(n), int(d or 0)) for n, d, k in rows if n}


def _stuck(
    conn: Connection, account: str, now: datetime, rule: Rule, known: Cohorts | None
) -> dict[str, tuple[int, datetime | None]]:
    """Messages not final for longer than ``age`` (since first seen); or, with ``known``
    cohorts, late for their kind: older than its p95 (since creation), ``age`` the fallback."""
    key = _split(rule.split_by)
    age = rule.age or timedelta(0)
    if known is None:
        older = Message.first_seen_at < now - age
    else:
        older = age_at(now) > limit_column(known, age)
    query = select(func.count(), func.min(Message.first_seen_at)).where(
        Message.account == account, PENDING, older
    )
    rows = conn.execute(_grouped(query, key)).all()
    return {str(k or ""): (int(n), oldest) for n, oldest, k in rows if n}


def _calls(conn: Connection, account: str, since: datetime, now: datetime) -> Calls:
    row = conn.execute(
        select(
            func.count(),
            func.sum(case((ApiCall.outcome == "client_error", 1), else_=0)),
            func.sum(
                case(
                    (ApiCall.outcome.in_(ANSWERED), 0),
                    (ApiCall.outcome == "client_error", 0),
                    else_=1,
                )
            ),
        ).where(ApiCall.account == account, ApiCall.started_at >= since, ApiCall.started_at <= now)
    ).one()
    return Calls(int(row[0]), int(row[1] or 0), int(row[2] or 0))


def _newest(conn: Connection, account: str, *where: object) -> datetime | None:
    value = conn.execute(
        select(func.max(ApiCall.started_at)).where(ApiCall.account == account, *where)  # type: ignore[arg-type]
    ).scalar_one()
    if isinstance(value, int):
        return from_epoch(value)
    return value


def _key_rejected(conn: Connection, account: str) -> datetime | None:
    """When the key was first rejected in the current streak; None once a call succeeded."""
    rejected = _newest(conn, account, ApiCall.error_code == AUTH_ERROR)
    if rejected is None:
        return None
    last_ok = _newest(conn, account, ApiCall.outcome == "ok")
    if last_ok is not None and last_ok >= rejected:
        return None
    where = [ApiCall.error_code == AUTH_ERROR]
    if last_ok is not None:
        where.append(ApiCall.started_at > last_ok)
    first = conn.execute(
        select(func.min(ApiCall.started_at)).where(ApiCall.account == account, *where)
    ).scalar_one()
    return first if first is not None else rejected
