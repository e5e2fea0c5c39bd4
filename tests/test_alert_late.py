"""The stuck rule counting messages late for their kind, against a seeded database."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from collector.alerts import texts
from collector.alerts.config import parse_file
from collector.alerts.measure import measure
from collector.alerts.rules import Observation, evaluate
from collector.errors import ConfigError
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record
from tests.conftest import ROOT

NOW = datetime(2026, 11, 20, 12, 30, 0, tzinfo=UTC)
FAST = [30 * (1 + i % 19) for i in range(60)]  # high/MyShop: 30 s .. 570 s, exact buckets
SLOW = [1800 * (1 + i % 5) for i in range(60)]  # economy/Bank: 30 min .. 2.5 h


def p95(delays: list[int]) -> int:
    return sorted(delays)[math.ceil(0.95 * len(delays)) - 1]


def finals(engine: Engine, gateway: str, sender: str, delays: list[int]) -> None:
    """One request per delay, created 10 h ago, its numbers final that many seconds later."""
    created = NOW - timedelta(hours=10)
    for delay in sorted(set(delays)):
        rid = f"{sender}-{delay}"
        listed = RequestRecord(rid, gateway, created, None, sender, None, 2)
        numbers = [NumberRecord(f"420601{i:06d}", 2, 1, 2) for i in range(delays.count(delay))]
        at = created + timedelta(seconds=delay)
        record(engine, Observations("acme", at, listed=[listed], statuses={rid: numbers}))


def pending(engine: Engine, rid: str, age: timedelta, gateway: str, sender: str) -> None:
    """A number created ``age`` ago, first seen 2 s later, not final."""
    created = NOW - age
    listed = RequestRecord(rid, gateway, created, None, sender, None, 2)
    statuses = {rid: [NumberRecord("420777123456", 2, 1, 1)]}
    seen = created + timedelta(seconds=2)
    record(engine, Observations("acme", seen, listed=[listed], statuses=statuses))


def seed(engine: Engine) -> None:
    finals(engine, "high", "MyShop", FAST)
    finals(engine, "economy", "Bank", SLOW)
    # late for its fast kind (p95 9.5 min), yet younger than the fixed 30 min
    pending(engine, "fast_late", timedelta(minutes=15), "high", "MyShop")
    # older than the fixed 30 min, yet well within its slow kind's p95 (2.5 h)
    pending(engine, "slow_ok", timedelta(minutes=45), "economy", "Bank")
    # a kind without final messages: the rule's age is the limit, in either mode
    pending(engine, "unknown_old", timedelta(minutes=40), "lowcost", "Other")
    pending(engine, "unknown_young", timedelta(minutes=20), "lowcost", "Other")


def stuck(engine: Engine, toml: str) -> dict[str, Observation]:
    settings = parse_file(f'[rules.stuck]\nthreshold = 1\nage = "30m"\n{toml}', "test")
    rule = settings.rules["stuck"]
    found = evaluate([rule], measure(engine, "acme", settings, NOW), NOW)
    return {obs.key: obs for obs in found}


def test_the_seeded_kinds_have_the_percentiles_worked_out_by_hand() -> None:
    assert p95(FAST) == 540 and p95(SLOW) == 9000
    # so: fast_late (900 s) > 540; slow_ok (2700 s) < 9000; both against the fixed 1800 s
    assert p95(FAST) < 15 * 60 and 15 * 60 < 1800 < 45 * 60 < p95(SLOW)


def test_the_late_stuck_rule_fires_on_a_message_late_for_its_kind_but_younger_than_age(
    engine: Engine,
) -> None:
    seed(engine)
    by_sender = stuck(engine, 'late = true\nsplit_by = "sender"')
    assert {k: o.value for k, o in by_sender.items()} == {"MyShop": 1, "Other": 1}
    assert by_sender["MyShop"].active and by_sender["MyShop"].figures["late"] is True
    # first seen 15 min - 2 s ago
    assert by_sender["MyShop"].figures["oldest"] == 15 * 60 - 2
    whole = stuck(engine, "late = true")[""]
    assert whole.value == 2 and whole.active


def test_the_late_stuck_rule_stays_quiet_on_a_message_older_than_age_but_usual_for_its_kind(
    engine: Engine,
) -> None:
    seed(engine)
    fixed = stuck(engine, 'split_by = "sender"')
    assert {k: o.value for k, o in fixed.items()} == {"Bank": 1, "Other": 1}
    assert fixed["Bank"].active and fixed["Bank"].figures["late"] is False
    late = stuck(engine, 'late = true\nsplit_by = "sender"')
    assert "Bank" not in late


def test_a_late_stuck_alert_says_so_in_english_and_czech() -> None:
    figures = {"count": 12, "age": 1800.0, "threshold": 10, "oldest": 2700.0, "late": True}
    obs = Observation("stuck", "", True, 12, 10, figures)
    assert texts.describe(obs, "en") == (
        "12 messages not final for longer than their kind (gateway and sender) usually takes: "
        "the p95 of the last 7 days, 30 min for kinds with few messages (threshold 10); "
        "the oldest for 45 min"
    )
    assert texts.describe(obs, "cs") == (
        "12 zpráv bez konečného stavu déle, než jejich druh (brána a odesílatel) obvykle "
        "potřebuje: p95 za posledních 7 dní, u druhů s málo zprávami 30 min (práh 10); "
        "nejstarší 45 min"
    )
    fixed = Observation("stuck", "", True, 12, 10, {**figures, "late": False})
    assert texts.describe(fixed, "en").startswith("12 messages not final for more than 30 min")


def test_only_the_stuck_rule_takes_late() -> None:
    assert parse_file("[rules.stuck]\nlate = true", "t").rules["stuck"].figures()["late"]
    assert "late" not in parse_file("", "t").rules["stuck"].figures()
    with pytest.raises(ConfigError, match="only stuck can count late messages"):
        parse_file("[rules.delivery_rate]\nlate = true", "t")


def test_the_alerts_with_late_messages_still_load_without_pandas() -> None:
    probe = (
        "import sys, collector.alerts.runner, collector.alerts.measure; "
        "print(sorted(m for m in ('pandas', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
