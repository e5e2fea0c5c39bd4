"""Prometheus metrics of one collector process: its counters, and the database's figures.

Scrapes never touch the API or the database: call counters move as calls are
reported, and each account's database figures are read once after its cycle into a
ready-made list that a scrape only serialises. Every account of the process is on
one page, each series with its ``account`` label.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from collector.fleet import each_account
from collector.metrics_http import MetricsServer, serve
from collector.metrics_page import Page, error_code_label, families
from collector.poller import CycleSummary, Poller
from db.read.metrics import MetricsSnapshot, snapshot
from db.records import ApiCallRecord

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
AUTH_ERROR = 103
# The totals by code grow with the history kept; they are read again once their last read
# is at most this share of the time since (every cycle until a read takes 1/20 of one).
TOTALS_BUDGET = 0.05


class CollectorMetrics:
    """The registry of one collector process, built at start (never at import): each metric
    registered once, its series told apart by ``account``; ``process_*`` once."""

    def __init__(self, engine: Engine, accounts: Sequence[str]) -> None:
        self.engine = engine
        # A `_created` series per counter doubles the series and tells Prometheus nothing
        # it needs (a restart shows as a counter reset); process-wide, and this is our process.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        r, a = self.registry, ("account",)
        self.calls = Counter(
            "smsdash_api_calls",
            "SmsManager API calls answered or failed, by method, outcome and error code.",
            (*a, "method", "outcome", "code"),
            registry=r,
        )
        self.latency = Histogram(
            "smsdash_api_call_duration_seconds",
            "How long SmsManager API calls took, failures included.",
            (*a, "method"),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.finals = Counter(
            "smsdash_messages_final",
            "Messages that became final while this collector ran, by outcome.",
            (*a, "outcome"),
            registry=r,
        )
        self.cycles = Histogram(
            "smsdash_cycle_duration_seconds",
            "How long poll cycles took (API calls and database writes).",
            a,
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self.cycle_failures = Counter(
            "smsdash_cycle_failures",
            "Poll cycles that could not write to the database.",
            a,
            registry=r,
        )
        self.last_cycle = Gauge(
            "smsdash_last_successful_cycle_timestamp_seconds",
            "When the newest poll cycle that wrote its results, with the key accepted and "
            "not every call failed, ended (Unix time).",
            a,
            registry=r,
        )
        self.key_rejected = Gauge(
            "smsdash_api_key_rejected",
            "1 while SmsManager rejects the API key (error 103), 0 after a successful call.",
            a,
            registry=r,
        )
        self.info = Info("smsdash", "The collector's version and account.", a, registry=r)
        self.page = Page(accounts)
        r.register(self.page)
        ProcessCollector(registry=r)
        self.accounts = {name: AccountMetrics(self, name) for name in accounts}
        self.server: MetricsServer | None = None

    def __getitem__(self, account: str) -> AccountMetrics:
        return self.accounts[account]

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


class AccountMetrics:
    """One account's series in the process's registry, moved by its calls and its cycles."""

    def __init__(self, metrics: CollectorMetrics, account: str) -> None:
        self.metrics = metrics
        self.account = account
        metrics.info.labels(account).info({"version": _version()})
        for outcome in ("delivered", "failed"):
            metrics.finals.labels(account, outcome)
        metrics.cycle_failures.labels(account)
        metrics.key_rejected.labels(account).set(0)
        self._final_base: dict[str, int] | None = None
        self._lock = threading.Lock()
        self._last: MetricsSnapshot | None = None
        self._totals_at = 0.0
        self._totals_cost = 0.0

    def attach(self, poller: Poller) -> None:
        """Count the calls ``poller`` reports and refresh after each of its cycles."""
        poller.call_listeners.append(self.observe_call)
        poller.after_cycle.append(self.after_cycle)

    def observe_call(self, call: ApiCallRecord) -> None:
        m, a = self.metrics, self.account
        m.calls.labels(a, call.method, call.outcome, error_code_label(call.error_code)).inc()
        m.latency.labels(a, call.method).observe(max(0.0, call.duration_ms) / 1000)
        if call.error_code == AUTH_ERROR:
            m.key_rejected.labels(a).set(1)
        elif call.answered:  # the key works
            m.key_rejected.labels(a).set(0)

    def after_cycle(self, summary: CycleSummary | None, seconds: float) -> None:
        """Called by the poll loop after each cycle; ``summary`` is None when writing failed."""
        m, a = self.metrics, self.account
        m.cycles.labels(a).observe(seconds)
        if summary is None:
            m.cycle_failures.labels(a).inc()
        elif not (summary.skipped or summary.key_rejected or summary.all_failed):
            m.last_cycle.labels(a).set(time.time())
        self.refresh()

    def refresh(self) -> bool:
        """Read the database's figures; on failure the previous ones stay served."""
        started = time.monotonic()
        fresh = self._last is None or (
            started - self._totals_at >= self._totals_cost / TOTALS_BUDGET
        )
        try:
            snap = snapshot(self.metrics.engine, self.account, reuse=None if fresh else self._last)
        except SQLAlchemyError as exc:
            log.warning(
                "metrics: reading account %s from the database failed, serving older figures: %s",
                self.account,
                exc,
            )
            return False
        if fresh:
            # The first read also pays for connecting and cold caches (several accounts at
            # once at start): measured, it could hold the next one back for minutes.
            cost = time.monotonic() - started if self._last is not None else 0.0
            self._totals_at, self._totals_cost = started, cost
        self._last = snap
        with self._lock:
            self._count_finals(snap.outcomes)
            self.metrics.page.put(self.account, families(self.account, snap))
        return True

    def _count_finals(self, outcomes: dict[str, int]) -> None:
        # Final states are never undone, so the stored totals only grow; the counter takes
        # their increments since start (never a decrease, were rows ever removed).
        now = {o: outcomes.get(o, 0) for o in ("delivered", "failed")}
        if self._final_base is not None:
            for outcome, total in now.items():
                if (step := total - self._final_base[outcome]) > 0:
                    self.metrics.finals.labels(self.account, outcome).inc(step)
        self._final_base = now


def start_metrics(pollers: list[Poller], engine: Engine, addr: tuple[str, int]) -> CollectorMetrics:
    """Build the one registry of every account, read each account's first page before its
    first cycle (the baseline of its final-message counter), and start serving."""
    metrics = CollectorMetrics(engine, [p.settings.account for p in pollers])
    each_account(pollers, lambda p: metrics[p.settings.account].refresh())
    for poller in pollers:
        metrics[poller.settings.account].attach(poller)
    metrics.server = serve(metrics.registry, *addr)
    return metrics


def _version() -> str:
    try:
        return version("smsdash")
    except PackageNotFoundError:
        return "unknown"
