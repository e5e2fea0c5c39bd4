"""The database's figures as metric families: one account's, and every account's on one page."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from db.codes import (
    ERRORS,
    RECEIPT_FINAL,
    RECEIPTS,
    REQUEST_STATE_FINAL,
    REQUEST_STATES,
    SYSTEM_ERROR_RANGE,
)
from db.read.ages import AGE_BUCKETS
from db.read.metrics import MetricsSnapshot

# The dashboard's backlog age buckets, spelled for PromQL regexes.
AGE_LABELS = dict(
    zip(
        (label for label, _limit in AGE_BUCKETS),
        ("0-5m", "5m-30m", "30m-2h", "2h-24h", "24h-72h", "72h+"),
        strict=True,
    )
)


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


def families(account: str, snap: MetricsSnapshot) -> list[Metric]:
    """Every database figure of ``account`` as a metric family, built once per refresh."""

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

    found: list[Metric] = [states, receipts, outcomes, backlog]
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
    found += [oldest, due, taken]
    if snap.credit is not None:
        credit = gauge("smsdash_credit", "Credit of the account (CZK) at its latest sample.")
        credit.add_metric([account], snap.credit)
        found.append(credit)
    if snap.runway_seconds is not None:
        runway = gauge(
            "smsdash_credit_runway_seconds",
            "Time until the credit runs out at the last 24 hours' spend rate (+Inf: no spend).",
        )
        runway.add_metric([account], snap.runway_seconds)
        found.append(runway)
    if snap.last_ok_call is not None:
        last_ok = gauge(
            "smsdash_last_successful_call_timestamp_seconds",
            "When the newest successful API call started (Unix time).",
        )
        last_ok.add_metric([account], snap.last_ok_call.timestamp())
        found.append(last_ok)
    return found


class Page(Collector):
    """Every account's latest families, served as one family per metric name.

    Each account replaces its own list after its cycle (one reference, so a scrape never
    sees half a refresh); the lists are merged at scrape time, which is rarer than cycles
    when many accounts poll.
    """

    def __init__(self, accounts: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._by_account: dict[str, list[Metric]] = {a: [] for a in accounts}

    def put(self, account: str, found: list[Metric]) -> None:
        with self._lock:
            self._by_account[account] = found

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            parts = list(self._by_account.values())
        if len(parts) == 1:
            return parts[0]
        # Two families of one name would print HELP and TYPE twice: Prometheus refuses that.
        merged: dict[str, Metric] = {}
        for found in parts:
            for family in found:
                into = merged.get(family.name)
                if into is None:
                    into = merged[family.name] = Metric(
                        family.name, family.documentation, family.type
                    )
                into.samples.extend(family.samples)
        return list(merged.values())
