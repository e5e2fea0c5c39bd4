"""After each collector cycle: evaluate the rules on what was just written, notify, heartbeat."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import requests
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from collector.alerts import measure, notify, rules, state
from collector.alerts.config import AlertSettings
from db.models import AlertRule
from db.types import utcnow

if TYPE_CHECKING:
    from collector.poller import CycleSummary, Poller

log = logging.getLogger(__name__)


class AfterCycle:
    """The hook the poller calls after every cycle; nothing in it can stop the collector."""

    def __init__(
        self,
        engine: Engine,
        account: str,
        settings: AlertSettings,
        notifier: notify.Notifier,
        *,
        http: requests.Session | None = None,
        clock: Callable[[], datetime] = utcnow,
        ok_calls: Callable[[], int] = lambda: 0,
    ) -> None:
        self.engine = engine
        self.account = account
        self.settings = settings
        self.notifier = notifier
        self.http = http or requests.Session()
        self.clock = clock
        self.ok_calls = ok_calls
        self._ok_seen = ok_calls()
        self.last: state.Transitions | None = None

    def publish_rules(self) -> None:
        """The rules in force, for the dashboard (which never reads the collector's files)."""
        now = self.clock()
        rows = [
            {
                "account": self.account,
                "rule": r.name,
                "enabled": r.enabled,
                "settings": json.dumps(r.figures(), sort_keys=True),
                "updated_at": now,
            }
            for r in self.settings.rules.values()
        ]
        table = AlertRule.__table__
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["account", "rule"],
            set_={c: stmt.excluded[c] for c in ("enabled", "settings", "updated_at")},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def __call__(self, summary: CycleSummary | None, _seconds: float) -> None:
        if summary is None:  # the cycle's write failed: nothing new to judge
            return
        self.evaluate(self.clock())
        self.heartbeat(summary)

    def evaluate(self, now: datetime) -> state.Transitions | None:
        try:
            agg = measure.measure(self.engine, self.account, self.settings, now)
            observed = rules.evaluate(self.settings.enabled(), agg, now)
            self.last = state.apply(
                self.engine, self.account, self.settings, observed, now, self.notifier.labels
            )
            if self.last.fired or self.last.resolved:
                log.info("alerts: %d fired, %d resolved", self.last.fired, self.last.resolved)
        except SQLAlchemyError as exc:
            log.error("alerts: evaluation failed, the next cycle tries again: %s", exc)
            return None
        try:
            notify.deliver(self.engine, self.account, self.notifier, now, self.settings.quiet)
        except SQLAlchemyError as exc:
            log.error("alerts: recording a notification failed: %s", exc)
        return self.last

    def heartbeat(self, summary: CycleSummary) -> None:
        """Ping after a cycle in which the API answered at least one call successfully."""
        seen, self._ok_seen = self._ok_seen, self.ok_calls()
        url = self.settings.heartbeat_url
        if not url or summary.skipped or self._ok_seen <= seen:
            return
        try:
            answer = self.http.get(url, timeout=(5.0, self.settings.heartbeat_timeout))
            if answer.status_code >= 400:
                log.warning("heartbeat: the URL answered HTTP %d", answer.status_code)
        except requests.RequestException as exc:
            log.warning("heartbeat failed: %s", type(exc).__name__)


def install(
    poller: Poller, engine: Engine, settings: AlertSettings, notifier: notify.Notifier
) -> AfterCycle:
    hook = AfterCycle(
        engine,
        poller.settings.account,
        settings,
        notifier,
        ok_calls=lambda: poller.ok_calls,
    )
    hook.publish_rules()
    poller.after_cycle.append(hook)
    return hook
