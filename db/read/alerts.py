"""Alert queries for the dashboard: what fires now, past episodes, failed notifications, rules."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from db.models import AlertEpisode, AlertNotification, AlertRule, AlertState
from db.read.filters import frame

HISTORY_ROWS = 200
FAILED_ROWS = 50


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


@dataclass(frozen=True)
class Firing:
    rule: str
    key: str


def firing(engine: Engine, account: str | None) -> list[Firing]:
    """The firing instances, for the banner on every page; [] on a database without alerts."""
    scope = [AlertState.account == account] if account else []
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AlertState.rule, AlertState.key)
                .where(AlertState.status == "firing", *scope)
                .order_by(AlertState.rule, AlertState.key)
            ).all()
    except SQLAlchemyError:  # a database the collector has not upgraded yet
        return []
    return [Firing(r, k) for r, k in rows]


def active(engine: Engine, account: str | None) -> pd.DataFrame:
    """rule, key, status, since, value, threshold, text — firing first, then pending."""
    scope = [AlertState.account == account] if account else []
    since = case(
        (AlertState.status == "firing", AlertEpisode.started_at),
        else_=AlertState.pending_since,
    )
    query = (
        select(
            AlertState.rule,
            AlertState.key,
            AlertState.status,
            since.label("since"),
            AlertState.value,
            AlertState.threshold,
            AlertState.text,
        )
        .outerjoin(AlertEpisode, AlertEpisode.id == AlertState.episode_id)
        .where(AlertState.status != "ok", *scope)
        .order_by(AlertState.status, AlertState.rule, AlertState.key)
    )
    data = frame(engine, query)
    data["since"] = _times(data["since"])
    return data


def episodes(engine: Engine, account: str | None, limit: int = HISTORY_ROWS) -> pd.DataFrame:
    """The newest episodes: started, resolved, notifications sent / failed / waiting."""
    scope = [AlertEpisode.account == account] if account else []
    counts = (
        select(
            AlertNotification.episode_id,
            func.sum(case((AlertNotification.status == "sent", 1), else_=0)).label("sent"),
            func.sum(case((AlertNotification.status == "failed", 1), else_=0)).label("failed"),
            func.sum(case((AlertNotification.status == "pending", 1), else_=0)).label("waiting"),
            func.sum(case((AlertNotification.status == "skipped", 1), else_=0)).label("skipped"),
        )
        .group_by(AlertNotification.episode_id)
        .subquery()
    )
    query = (
        select(
            AlertEpisode.id,
            AlertEpisode.rule,
            AlertEpisode.key,
            AlertEpisode.started_at,
            AlertEpisode.resolved_at,
            AlertEpisode.text,
            func.coalesce(counts.c.sent, 0).label("sent"),
            func.coalesce(counts.c.failed, 0).label("failed"),
            func.coalesce(counts.c.waiting, 0).label("waiting"),
            func.coalesce(counts.c.skipped, 0).label("skipped"),
        )
        .outerjoin(counts, counts.c.episode_id == AlertEpisode.id)
        .where(*scope)
        .order_by(AlertEpisode.started_at.desc(), AlertEpisode.id.desc())
        .limit(limit)
    )
    data = frame(engine, query)
    data["started_at"] = _times(data["started_at"])
    data["resolved_at"] = _times(data["resolved_at"])
    return data


def failed_notifications(
    engine: Engine, account: str | None, limit: int = FAILED_ROWS
) -> pd.DataFrame:
    """Notifications that failed, or are waiting for a retry after a failure, newest first."""
    scope = [AlertNotification.account == account] if account else []
    query = (
        select(
            AlertNotification.created_at,
            AlertNotification.kind,
            AlertNotification.title,
            AlertNotification.target,
            AlertNotification.status,
            AlertNotification.attempts,
            AlertNotification.error,
        )
        .where(
            AlertNotification.error.is_not(None),
            AlertNotification.status.in_(("failed", "pending")),
            *scope,
        )
        .order_by(AlertNotification.id.desc())
        .limit(limit)
    )
    data = frame(engine, query)
    data["created_at"] = _times(data["created_at"])
    return data


def rules(engine: Engine, account: str | None) -> pd.DataFrame:
    """rule, enabled, settings (a dict) as the collector published them at its start."""
    scope = [AlertRule.account == account] if account else []
    query = (
        select(AlertRule.account, AlertRule.rule, AlertRule.enabled, AlertRule.settings)
        .where(*scope)
        .order_by(AlertRule.account, AlertRule.rule)
    )
    data = frame(engine, query)
    parsed = []
    for raw in data["settings"]:
        try:
            value = json.loads(raw)
        except (TypeError, ValueError):
            value = {}
        parsed.append(value if isinstance(value, dict) else {})
    data["settings"] = pd.Series(parsed, index=data.index, dtype=object)
    return data
