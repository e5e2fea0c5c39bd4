"""The state machine on a real database: waiting `for`, waiting `resolve_after`, failing targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from collector.alerts import state
from collector.alerts.config import parse_file
from collector.alerts.notify import Notifier, deliver
from collector.alerts.rules import Observation
from db.models import AlertEpisode, AlertNotification, AlertState
from tests.alert_helpers import HttpReceiver, free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = """
[rules.stuck]
for = "5m"
resolve_after = "10m"
"""


def stuck(active: bool, count: int) -> Observation:
    figures = {"count": count, "age": 1800.0, "threshold": 10, "oldest": 3600.0}
    return Observation("stuck", "", active, count, 10, figures)


def status(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(AlertState.status)).scalar_one_or_none()


def test_an_alert_waits_for_its_for_and_its_resolve_after(engine: Engine) -> None:
    settings = parse_file(CONFIG, "test")
    step = [(0, True, "pending"), (4, True, "pending"), (5, True, "firing"),
            (6, False, "firing"), (7, True, "firing"), (8, False, "firing"),
            (17, False, "firing"), (18, False, "ok")]  # fmt: skip
    fired = resolved = 0
    for minute, active, expected in step:
        done = state.apply(
            engine, "acme", settings, [stuck(active, 12 if active else 3)],
            T0 + timedelta(minutes=minute), ["json://x"],
        )  # fmt: skip
        fired, resolved = fired + done.fired, resolved + done.resolved
        assert status(engine) == expected, minute
    assert (fired, resolved) == (1, 1)
    with Session(engine) as session:
        [episode] = session.scalars(select(AlertEpisode)).all()
    assert episode.pending_since == T0 and episode.started_at == T0 + timedelta(minutes=5)
    assert episode.resolved_at == T0 + timedelta(minutes=18)


def test_a_condition_that_clears_while_pending_never_fires(engine: Engine) -> None:
    settings = parse_file(CONFIG, "test")
    for minute, active in ((0, True), (3, False), (4, True), (8, True)):
        state.apply(
            engine, "acme", settings, [stuck(active, 12)], T0 + timedelta(minutes=minute), []
        )
    assert status(engine) == "pending"  # the clock restarted at minute 4


def test_a_dead_target_is_tried_once_a_round_and_does_not_hold_up_the_live_one(
    engine: Engine,
) -> None:
    settings = parse_file('[rules.stuck]\nfor = "0"\n[rules.api_key]\nfor = "0"', "test")
    with HttpReceiver() as http:
        notifier = Notifier([http.url, f"json://127.0.0.1:{free_port()}/dead"])
        key = Observation("api_key", "", True, 1.0, 1.0, {"since": None})
        state.apply(engine, "acme", settings, [stuck(True, 12), key], T0, notifier.labels)
        assert deliver(engine, "acme", notifier, T0, None) == (2, 1)
        assert len(http.posts) == 2
    with engine.connect() as conn:
        dead = conn.execute(
            select(AlertNotification.attempts, AlertNotification.status)
            .where(AlertNotification.target.like("%dead%"))
            .order_by(AlertNotification.id)
        ).all()
    assert [tuple(d) for d in dead] == [(1, "pending"), (0, "pending")]
