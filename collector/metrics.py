"""Prometheus metrics of one collector: its own counters, and the database's figures per cycle.

Scrapes never touch the API or the database: call counters move as calls are
reported, and the database's figures are read once after each cycle into a
ready-made list that a scrape only serialises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from collector.client import SmsManagerClient
from collector.metrics_http import MetricsServer, serve
from collector.poller import CycleSummary, Poller
from db.codes import (
    ERRORS,
    RECEIPT_FINAL,
    RECEIPTS,
    REQUEST_STATE_FINAL,
    REQUEST_STATES,
    SYSTEM_ERROR_RANGE,
)
from db.read.history import AGE_BUCKETS
from db.read.metrics import MetricsSnapshot, snapshot
from db.records import ApiCallRecord

log = logging.getLogger(__name__)

# The dashboard's backlog age buckets, spelled for PromQL regexes.
AGE_LABELS = dict(
    zip(
        (label for label, _limit in AGE_BUCKETS),
        ("0-5m", "5m-30m", "30m-2h", "2h-24h", "24h-72h", "72h+"),
        strict=True,
    )
)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
AUTH_ERROR = 103
# The totals by code grow with the history kept; they are read again once their last read
# is at most this share of the time since (every cycle until a read takes 1/20 of one).
TOTALS_BUDGET = 0.05


def code_label(code: int | None, known: Iterable[int]) -> str:
    """A code as a label value; codes outside the table share one value, so a hostile
    gateway cannot grow the number of series."""
    if code is None:
        return "none"
    return str(code) if code in known else "unknown"


def error_code_label(code: int | None) -> str:
    if code is None:
        return "none"
    return str(code) if code in ERRORS or code in SYSTEM_ERROR_RANGE else "other"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _families(account: str, snap: MetricsSnapshot) -> list[Metric]:
    """Every database figure as a metric family, built once per refresh."""

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=("account", *labels))

    states = gauge(
        "smsdash_messages_by_request_state",
        "Messages stored, by their current request state ('none' before the first status).",
        ("request_state", "final"),
    )
    by_state: dict[str, int] = dict.fromkeys(
        [*(str(c) for c in REQUEST_STATES), "none", "unknown"], 0
    )
    for code, n in snap.by_request_state().items():
        by_state[code_label(code, REQUEST_STATES)] += n
    for label, n in by_state.items():
        final = label.isdigit() and int(label) in REQUEST_STATE_FINAL
        states.add_metric([account, label, _bool(final)], n)

    receipts = gauge(
        "smsdash_messages_by_receipt",
        "Messages stored, by their current delivery receipt code ('none' before any receipt).",
        ("receipt", "final"),
    )
    by_receipt: dict[str, int] = dict.fromkeys([*(str(c) for c in RECEIPTS), "none", "unknown"], 0)
    for code, n in snap.by_receipt().items():
        by_receipt[code_label(code, RECEIPTS)] += n
    for label, n in by_receipt.items():
        final = label.isdigit() and int(label) in RECEIPT_FINAL
        receipts.add_metric([account, label, _bool(final)], n)

    outcomes = gauge(
        "smsdash_messages_by_outcome",
        "Messages stored, by outcome: delivered, failed, pending (not final) or gave_up "
        "(no final state within the horizon).",
        ("outcome",),
    )
    for outcome in ("delivered", "failed", "pending", "gave_up"):
        outcomes.add_metric([account, outcome], snap.outcomes.get(outcome, 0))

    backlog = gauge(
        "smsdash_backlog_messages",
        "Messages not final yet (and not given up), by age since first seen.",
        ("age",),
    )
    for label, n in snap.backlog.items():
        backlog.add_metric([account, AGE_LABELS[label]], n)

    families: list[Metric] = [states, receipts, outcomes, backlog]
    oldest = gauge(
        "smsdash_backlog_oldest_age_seconds",
        "Age of the oldest message not final yet (0 when there is none).",
    )
    age = (snap.at - snap.oldest_pending).total_seconds() if snap.oldest_pending else 0.0
    oldest.add_metric([account], max(0.0, age))
    due = gauge("smsdash_due_requests", "Requests whose next status poll is due.")
    due.add_metric([account], snap.due_requests)
    taken = gauge(
        "smsdash_metrics_snapshot_timestamp_seconds",
        "When the database figures on this page were read (Unix time).",
    )
    taken.add_metric([account], snap.at.timestamp())
    families += [oldest, due, taken]
    if snap.credit is not None:
        credit = gauge("smsdash_credit", "Credit of the account (CZK) at its latest sample.")
        credit.add_metric([account], snap.credit)
        families.append(credit)
    if snap.runway_seconds is not None:
        runway = gauge(
            "smsdash_credit_runway_seconds",
            "Time until the credit runs out at the last 24 hours' spend rate (+Inf: no spend).",
        )
        runway.add_metric([account], snap.runway_seconds)
        families.append(runway)
    if snap.last_ok_call is not None:
        last_ok = gauge(
            "smsdash_last_successful_call_timestamp_seconds",
            "When the newest successful API call started (Unix time).",
        )
        last_ok.add_metric([account], snap.last_ok_call.timestamp())
        families.append(last_ok)
    return families


class _Snapshot(Collector):
    """Serves the families of the latest refresh; swapping one reference keeps scrapes whole."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterable[Metric]:
        return self.families


class CollectorMetrics:
    """The registry of one collector process, built at start (never at import)."""

    def __init__(self, account: str, engine: Engine) -> None:
        self.account = account
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
        info = Info("smsdash", "The collector's version and account.", a, registry=r)
        info.labels(account).info({"version": _version()})
        for outcome in ("delivered", "failed"):
            self.finals.labels(account, outcome)
        self.cycle_failures.labels(account)
        self.key_rejected.labels(account).set(0)
        self._snapshot = _Snapshot()
        r.register(self._snapshot)
        ProcessCollector(registry=r)
        self._final_base: dict[str, int] | None = None
        self._lock = threading.Lock()
        self._last: MetricsSnapshot | None = None
        self._totals_at = 0.0
        self._totals_cost = 0.0
        self.server: MetricsServer | None = None

    def observe_call(self, call: ApiCallRecord) -> None:
        a = self.account
        self.calls.labels(a, call.method, call.outcome, error_code_label(call.error_code)).inc()
        self.latency.labels(a, call.method).observe(max(0.0, call.duration_ms) / 1000)
        if call.error_code == AUTH_ERROR:
            self.key_rejected.labels(a).set(1)
        elif call.outcome in ("ok", "empty"):  # answered: the key works
            self.key_rejected.labels(a).set(0)

    def watch(self, client: SmsManagerClient) -> None:
        """Count every call ``client`` reports, after whoever already listens to it."""
        inner: Callable[[ApiCallRecord], None] = client.on_call

        def both(call: ApiCallRecord) -> None:
            inner(call)
            self.observe_call(call)

        client.on_call = both

    def after_cycle(self, summary: CycleSummary | None, seconds: float) -> None:
        """Called by the poll loop after each cycle; ``summary`` is None when writing failed."""
        self.cycles.labels(self.account).observe(seconds)
        if summary is None:
            self.cycle_failures.labels(self.account).inc()
        elif not (summary.skipped or summary.key_rejected or summary.all_failed):
            self.last_cycle.labels(self.account).set(time.time())
        self.refresh()

    def refresh(self) -> bool:
        """Read the database's figures; on failure the previous ones stay served."""
        started = time.monotonic()
        fresh = self._last is None or (
            started - self._totals_at >= self._totals_cost / TOTALS_BUDGET
        )
        try:
            snap = snapshot(self.engine, self.account, reuse=None if fresh else self._last)
        except SQLAlchemyError as exc:
            log.warning("metrics: reading the database failed, serving older figures: %s", exc)
            return False
        if fresh:
            self._totals_at, self._totals_cost = started, time.monotonic() - started
        self._last = snap
        with self._lock:
            self._count_finals(snap.outcomes)
            self._snapshot.families = _families(self.account, snap)
        return True

    def _count_finals(self, outcomes: dict[str, int]) -> None:
        # Final states are never undone, so the stored totals only grow; the counter takes
        # their increments since start (never a decrease, were rows ever removed).
        now = {o: outcomes.get(o, 0) for o in ("delivered", "failed")}
        if self._final_base is not None:
            for outcome, total in now.items():
                if (step := total - self._final_base[outcome]) > 0:
                    self.finals.labels(self.account, outcome).inc(step)
        self._final_base = now

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def start_metrics(poller: Poller, engine: Engine, addr: tuple[str, int]) -> CollectorMetrics:
    """Build the registry, read a first page before the first cycle, and start serving."""
    metrics = CollectorMetrics(poller.settings.account, engine)
    metrics.refresh()  # also the baseline of the final-message counter
    metrics.watch(poller.client)
    metrics.server = serve(metrics.registry, *addr)
    return metrics


def _version() -> str:
    try:
        return version("smsdash")
    except PackageNotFoundError:
        return "unknown"
