"""Alert history for the dashboard tests, made by the real state machine from observations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, update

from collector.alerts import state
from collector.alerts.config import AlertSettings, parse_file
from collector.alerts.notify import Notifier
from collector.alerts.rules import Observation
from collector.alerts.runner import AfterCycle
from db.models import AlertNotification
from db.types import utcnow

TARGETS = ["json://127.0.0.1:9/ops", "mailto://127.0.0.1:9/ops@example.com?from=a@example.com"]
CONFIG = """
[rules.delivery_rate]
for = "0s"
resolve_after = "0s"
split_by = "sender"
[rules.api_errors]
for = "0s"
"""


def _rate(active: bool, pct: float, key: str = "MyShop") -> Observation:
    figures = {"pct": pct, "n": 240, "window": 1800.0, "threshold": 90.0}
    return Observation("delivery_rate", key, active, pct, 90.0, figures)


def _errors(active: bool, pct: float) -> Observation:
    figures = {
        "pct": pct,
        "failed": 30,
        "calls": 100,
        "server": 28,
        "client": 2,
        "window": 900.0,
        "threshold": 20.0,
    }
    return Observation("api_errors", "", active, pct, 20.0, figures)


def seed_alerts(engine: Engine, account: str = "acme", now: datetime | None = None) -> None:
    """A resolved delivery-rate episode yesterday (sent), an API-error episode firing now."""
    now = now or utcnow()
    settings: AlertSettings = parse_file(CONFIG, "seed")
    notifier = Notifier(TARGETS)
    AfterCycle(engine, account, settings, notifier, clock=lambda: now).publish_rules()
    labels = notifier.labels
    yesterday = now - timedelta(hours=20)
    state.apply(engine, account, settings, [_rate(True, 71.0)], yesterday, labels)
    later = yesterday + timedelta(hours=1)
    state.apply(engine, account, settings, [_rate(False, 95.0)], later, labels)
    with engine.begin() as conn:
        conn.execute(update(AlertNotification).values(status="sent", attempts=1, sent_at=yesterday))
    started = now - timedelta(minutes=3)
    state.apply(engine, account, settings, [_errors(True, 30.0)], started, labels)
    with engine.begin() as conn:  # the webhook took it, the mail server was down
        pending = AlertNotification.status == "pending"
        conn.execute(
            update(AlertNotification)
            .where(pending, AlertNotification.target.like("json%"))
            .values(status="sent", attempts=1, sent_at=now)
        )
        conn.execute(
            update(AlertNotification)
            .where(pending)
            .values(status="failed", attempts=5, error="Connection error while submitting email")
        )
