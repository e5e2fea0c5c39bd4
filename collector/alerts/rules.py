"""Each rule as a pure function: aggregates in, one observation per alert instance out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collector.alerts.config import Rule
from collector.alerts.measure import Aggregates


@dataclass(frozen=True)
class Observation:
    """Where one instance stands now; ``figures`` fill the notification's text."""

    rule: str
    key: str
    active: bool
    value: float | None
    threshold: float | None
    figures: dict[str, Any] = field(default_factory=dict)


def _seconds(delta: timedelta | None) -> float:
    return 0.0 if delta is None else delta.total_seconds()


def delivery_rate(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    threshold = rule.threshold if rule.threshold is not None else 90.0
    minimum = rule.min_count or 0
    out = []
    for key, (final, delivered) in agg.delivery.items():
        pct = 100.0 * delivered / final if final else 100.0
        # Below the minimum volume the share says nothing: a quiet night pages nobody.
        active = final >= max(1, minimum) and pct < threshold
        figures = {"pct": pct, "n": final, "window": _seconds(rule.window), "threshold": threshold}
        out.append(Observation(rule.name, key, active, pct, threshold, figures))
    return out


def stuck(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    threshold = rule.threshold if rule.threshold is not None else 10
    out = []
    for key, (count, oldest) in agg.stuck.items():
        figures = {
            "count": count,
            "age": _seconds(rule.age),
            "late": rule.late,
            "threshold": threshold,
            "oldest": (now - oldest).total_seconds() if oldest else 0.0,
        }
        out.append(Observation(rule.name, key, count >= threshold > 0, count, threshold, figures))
    return out


def api_errors(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    threshold = rule.threshold if rule.threshold is not None else 20.0
    calls = agg.calls
    failed = calls.client + calls.server
    pct = 100.0 * failed / calls.total if calls.total else 0.0
    active = calls.total >= max(1, rule.min_count or 0) and pct > threshold
    figures = {
        "pct": pct,
        "failed": failed,
        "calls": calls.total,
        "server": calls.server,
        "client": calls.client,
        "window": _seconds(rule.window),
        "threshold": threshold,
    }
    return [Observation(rule.name, "", active, pct, threshold, figures)]


def api_key(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    rejected = agg.key_rejected_at
    figures = {"since": rejected.isoformat() if rejected else None}
    return [
        Observation(rule.name, "", rejected is not None, 1.0 if rejected else 0.0, 1.0, figures)
    ]


def credit(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    balance, hours_left = agg.credit, agg.hours_left
    if balance is None:
        return [Observation(rule.name, "", False, None, None)]
    low = rule.min_credit is not None and balance < rule.min_credit
    runway_hours = _seconds(rule.runway) / 3600 if rule.runway else None
    short = runway_hours is not None and hours_left is not None and hours_left < runway_hours
    figures = {
        "credit": balance,
        "hours_left": hours_left,
        "runway": _seconds(rule.runway),
        "min_credit": rule.min_credit,
        "low": low,
    }
    value: float | None = balance if low else hours_left
    threshold = rule.min_credit if low else runway_hours
    return [Observation(rule.name, "", low or short, value, threshold, figures)]


def collector_stale(rule: Rule, agg: Aggregates, now: datetime) -> list[Observation]:
    after = _seconds(rule.after) or 300.0
    since = agg.last_ok or agg.first_call
    if since is None:  # nothing was ever called: a fresh database, nothing to say yet
        return [Observation(rule.name, "", False, None, after / 60)]
    minutes = max(0.0, (now - since).total_seconds()) / 60
    # While the key is rejected the collector stops calling on purpose; api_key says so.
    active = minutes * 60 > after and agg.key_rejected_at is None
    figures = {"age": minutes * 60, "after": after, "never": agg.last_ok is None}
    return [Observation(rule.name, "", active, minutes, after / 60, figures)]


EVALUATORS: dict[str, Callable[[Rule, Aggregates, datetime], list[Observation]]] = {
    "delivery_rate": delivery_rate,
    "stuck": stuck,
    "api_errors": api_errors,
    "api_key": api_key,
    "credit": credit,
    "collector_stale": collector_stale,
}


def evaluate(rules: list[Rule], agg: Aggregates, now: datetime) -> list[Observation]:
    return [obs for rule in rules for obs in EVALUATORS[rule.name](rule, agg, now)]
