"""/metrics against a real Prometheus server: the values it stores are the database's truth."""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from collector.metrics_page import AGE_LABELS, code_label, error_code_label
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.codes import RECEIPTS, REQUEST_STATES
from db.engine import make_engine
from db.models import ApiCall, CreditSample, Message
from db.read.overview import PENDING
from db.rollup import STATUS
from tests.prom_helpers import (
    DASHBOARD,
    RULE_TESTS,
    RULES,
    Prometheus,
    binary,
    collector,
    free_port,
    scrape,
    wait_for,
)
from tests.sim_helpers import send_mix, stored_states, true_states

KEY = "metrics-k3y-0a1b2c"
pytestmark = pytest.mark.slow


def samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """A scrape as sample name -> labels -> value."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def cycles_done(port: int) -> float:
    return sum(samples(scrape(port)).get("smsdash_cycle_duration_seconds_count", {}).values())


@dataclass
class Live:
    prom: Prometheus
    engine: Engine
    gateway: Gateway
    port: int
    tmp: Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Simulator with faults -> collector process -> real Prometheus, until the figures settle.

    Settled: the database equals the simulator's truth, the faults are off, two more
    cycles have run, and Prometheus has scraped a page read after all that.
    """
    binary("prometheus")
    tmp = tmp_path_factory.mktemp("metrics")
    faults = Faults(server_error=0.1, unavailable_empty=0.05, drop=0.05)
    gateway = Gateway([Account(KEY, credit=500.0)], scale=100, faults=faults)
    with SimulatorServer(gateway) as server:
        send_mix(gateway, KEY)
        port = free_port()
        env = {
            "SMSDASH_POLL_INTERVAL": "0.3",
            "SMSDASH_CREDIT_INTERVAL": "0.5",
            "SMSDASH_READ_TIMEOUT": "5",
        }
        with collector(tmp, server.url, KEY, port, **env), Prometheus(tmp, port) as prom:
            engine = make_engine(f"sqlite:///{tmp / 'smsdash.db'}")

            def credit_samples() -> int:
                with engine.connect() as conn:
                    return int(
                        conn.execute(select(func.count()).select_from(CreditSample)).scalar_one()
                    )

            wait_for(lambda: credit_samples() >= 3, 60, "a few credit samples")
            send_mix(gateway, KEY)  # spending: the credit runway becomes finite
            wait_for(
                lambda: gateway.quiescent() and stored_states(engine) == true_states(gateway),
                120,
                "the database to reach the simulator's truth",
                every=0.3,
            )
            wait_for(
                lambda: {"http500", "http503", "drop"} <= {c.fault for c in gateway.calls},
                120,
                "each fault to have been served at least once",
            )
            gateway.faults = Faults()
            done = cycles_done(port)
            wait_for(lambda: cycles_done(port) >= done + 2, 60, "two cycles without faults")
            wait_for(
                lambda: (prom.value("count_over_time(smsdash_info[1h])") or 0) >= 3,
                60,
                "a few scrapes",
            )
            settled = time.time()
            wait_for(
                lambda: (prom.value("smsdash_metrics_snapshot_timestamp_seconds") or 0) > settled,
                60,
                "Prometheus to scrape a page read after the figures settled",
            )
            yield Live(prom, engine, gateway, port, tmp)
            engine.dispose()


def by_label(result: dict[tuple[tuple[str, str], ...], float], name: str) -> dict[str, float]:
    return {dict(labels)[name]: value for labels, value in result.items()}


def test_prometheus_holds_the_databases_messages_by_state_receipt_and_outcome(live: Live) -> None:
    with live.engine.connect() as conn:
        states = Counter(
            dict(
                conn.execute(
                    select(Message.request_state, func.count()).group_by(Message.request_state)
                ).all()
            )
        )
        receipts = Counter(
            dict(
                conn.execute(
                    select(Message.receipt_state, func.count()).group_by(Message.receipt_state)
                ).all()
            )
        )
        outcomes = dict(conn.execute(select(STATUS, func.count()).group_by(STATUS)).all())
    want_states = dict.fromkeys([*map(str, REQUEST_STATES), "none", "unknown"], 0.0)
    for code, n in states.items():
        want_states[code_label(code, REQUEST_STATES)] += n
    want_receipts = dict.fromkeys([*map(str, RECEIPTS), "none", "unknown"], 0.0)
    for code, n in receipts.items():
        want_receipts[code_label(code, RECEIPTS)] += n

    got_states = live.prom.query('smsdash_messages_by_request_state{account="acme"}')
    assert by_label(got_states, "request_state") == want_states
    got_receipts = live.prom.query('smsdash_messages_by_receipt{account="acme"}')
    assert by_label(got_receipts, "receipt") == want_receipts
    finals = {dict(k)["receipt"]: dict(k)["final"] for k in got_receipts}
    assert finals["2"] == finals["3"] == "true" and finals["1"] == finals["none"] == "false"
    assert sum(want_receipts.values()) == len(true_states(live.gateway)) > 20

    got = by_label(live.prom.query('smsdash_messages_by_outcome{account="acme"}'), "outcome")
    kinds = ("delivered", "failed", "pending", "gave_up")
    assert got == {o: float(outcomes.get(o, 0)) for o in kinds}
    # The collector started on an empty database: every final message became final under it.
    final = by_label(live.prom.query('smsdash_messages_final_total{account="acme"}'), "outcome")
    assert final == {"delivered": outcomes["delivered"], "failed": outcomes["failed"]}
    assert outcomes["delivered"] > 0 and outcomes["failed"] > 0


def test_prometheus_holds_the_backlog_by_age_and_its_oldest_age(live: Live) -> None:
    with live.engine.connect() as conn:
        pending, oldest = conn.execute(
            select(func.count(), func.min(Message.first_seen_at)).where(PENDING)
        ).one()
    assert pending >= 2  # the never-delivered test number, once per send_mix
    last_cycle = live.prom.value("smsdash_last_successful_cycle_timestamp_seconds")
    assert last_cycle is not None and abs(time.time() - last_cycle) < 120
    backlog = by_label(live.prom.query('smsdash_backlog_messages{account="acme"}'), "age")
    want = {label: float(pending if label == "0-5m" else 0) for label in AGE_LABELS.values()}
    assert backlog == want
    # Age and read time come from the same page, so the oldest first-seen time is exact.
    age = live.prom.value('smsdash_backlog_oldest_age_seconds{account="acme"}')
    read_at = live.prom.value('smsdash_metrics_snapshot_timestamp_seconds{account="acme"}')
    assert age is not None and read_at is not None and age > 0
    assert read_at - age == pytest.approx(oldest.replace(tzinfo=UTC).timestamp(), abs=0.01)


def test_prometheus_counts_the_failed_calls_by_code_as_stored_and_as_the_simulator_answered(
    live: Live,
) -> None:
    got = {
        (dict(k)["outcome"], dict(k)["code"]): v
        for k, v in live.prom.query(
            'sum by (outcome, code) (smsdash_api_calls_total{account="acme",outcome!="ok"})'
        ).items()
    }
    with live.engine.connect() as conn:
        rows = conn.execute(
            select(ApiCall.outcome, ApiCall.error_code, func.count())
            .where(ApiCall.outcome != "ok")
            .group_by(ApiCall.outcome, ApiCall.error_code)
        ).all()
    stored: Counter[tuple[str, str]] = Counter()
    for outcome, code, n in rows:
        stored[(outcome, error_code_label(code))] += n
    assert got == {key: float(n) for key, n in stored.items()}
    sim = Counter(c.fault for c in live.gateway.calls)
    server_9xx = sum(v for (o, code), v in got.items() if o == "server_error" and code != "none")
    assert server_9xx == sim["http500"] > 0
    assert got[("server_error", "none")] == sim["http503"] > 0
    assert got[("connection", "none")] == sim["drop"] > 0


def test_prometheus_holds_the_credit_and_its_runway(live: Live) -> None:
    credit = live.prom.value('smsdash_credit{account="acme"}')
    with live.engine.connect() as conn:
        latest = conn.execute(
            select(CreditSample.credit).order_by(CreditSample.observed_at.desc()).limit(1)
        ).scalar_one()
    assert credit == pytest.approx(latest) == pytest.approx(live.gateway.accounts[KEY].credit)
    assert credit < 500.0
    # Runway: the credit over the spend rate of the samples read for that page.
    runway = live.prom.value('smsdash_credit_runway_seconds{account="acme"}')
    read_at = live.prom.value('smsdash_metrics_snapshot_timestamp_seconds{account="acme"}')
    assert runway is not None and read_at is not None and math.isfinite(runway)
    with live.engine.connect() as conn:
        points = conn.execute(
            select(CreditSample.observed_at, CreditSample.credit)
            .where(CreditSample.observed_at <= datetime.fromtimestamp(read_at, UTC))
            .order_by(CreditSample.observed_at)
        ).all()
    spent = sum(max(0.0, a[1] - b[1]) for a, b in pairwise(points))
    seconds = (points[-1][0] - points[0][0]).total_seconds()
    assert runway == pytest.approx(points[-1][1] / (spent / seconds), rel=0.25)


def test_promtool_check_metrics_passes_on_a_real_scrape_with_no_warnings(live: Live) -> None:
    page = scrape(live.port)
    checked = subprocess.run(
        [binary("promtool"), "check", "metrics"],
        input=page.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == b"" and checked.stderr.strip() == b""
    # Every smsdash series carries the account; no label holds a number or a request id:
    # label values are names or codes of at most three digits.
    values: set[str] = set()
    for name, series in samples(page).items():
        if name.startswith("smsdash_"):
            for labels in series:
                assert dict(labels).get("account") == "acme", (name, labels)
                values |= {v for k, v in labels if k not in ("account", "version", "le")}
    names_or_codes = values - set(AGE_LABELS.values())
    assert all(re.fullmatch(r"[A-Za-z_]+|\d{1,3}", v) for v in names_or_codes), values
    assert not values & {r for r, _n in stored_states(live.engine)}
    assert "420777" not in page and KEY not in page


def expressions() -> list[str]:
    """Every PromQL expression in the Grafana dashboard and the alert rules."""
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    rules = RULES.read_text()
    return [*exprs, rules]


def test_every_metric_in_the_dashboard_and_the_rules_is_in_a_real_scrape(live: Live) -> None:
    names = set(samples(scrape(live.port)))
    used = {n for text in expressions() for n in re.findall(r"\bsmsdash_[a-z0-9_]+", text)}
    assert len(used) >= 12
    assert used <= names, f"not in a scrape: {sorted(used - names)}"


def test_every_dashboard_query_runs_on_the_real_prometheus_and_finds_data(live: Live) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert {v["name"] for v in dashboard["templating"]["list"]} == {"datasource", "account"}
    accounts = live.prom.api("label/account/values")
    assert accounts == ["acme"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            expr = target["expr"].replace("$account", "acme").replace("$__rate_interval", "1m")
            result = live.prom.query(expr)
            assert result, f"{panel['title']}: no data for {expr}"


def test_the_real_prometheus_evaluates_every_alert_rule_without_error(live: Live) -> None:
    def evaluated() -> list[dict[str, object]] | None:
        rules = [r for g in live.prom.api("rules")["groups"] for r in g["rules"]]
        return rules if all(r["health"] == "ok" for r in rules) else None

    rules = wait_for(evaluated, 30, "every rule to be evaluated")
    assert len(rules) == 9 and all(not r.get("lastError") for r in rules)
    firing = {r["name"] for r in rules if r["state"] != "inactive"}
    # Runs of a few seconds: too short for any `for`, and the key is good.
    assert "SmsdashApiKey" not in firing and "SmsdashCollectorDown" not in firing


def test_promtool_checks_the_rules_and_passes_their_unit_tests() -> None:
    promtool = binary("promtool")
    for args in (["check", "rules", str(RULES)], ["test", "rules", str(RULE_TESTS)]):
        done = subprocess.run(
            [promtool, *args], capture_output=True, timeout=120, check=False, cwd=RULES.parent
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert b"SUCCESS" in done.stdout


def test_a_scrape_during_a_long_cycle_answers_at_once_and_no_scrape_calls_the_api(
    tmp_path: Path,
) -> None:
    gateway = Gateway([Account(KEY)], scale=100, faults=Faults(latency=0.7))
    with SimulatorServer(gateway) as server:
        send_mix(gateway, KEY)
        port = free_port()
        env = {"SMSDASH_POLL_INTERVAL": "3600", "SMSDASH_POLL_CONCURRENCY": "2"}
        with collector(tmp_path, server.url, KEY, port, **env):
            # The first cycle: 1 list + 12 status calls two at a time + credit, 0.7 s each.
            during: list[float] = []
            calls_seen: list[int] = []
            while len(during) < 300:
                started = time.monotonic()
                page = samples(scrape(port))
                during.append(time.monotonic() - started)
                if sum(page.get("smsdash_cycle_duration_seconds_count", {}).values()):
                    break
                calls_seen.append(len(gateway.calls))
                time.sleep(0.1)
            assert len(calls_seen) >= 10 and max(during) < 1.0, during
            assert calls_seen[-1] > calls_seen[0], "no API call answered during those scrapes"

            wait_for(lambda: cycles_done(port) == 1, 60, "the first cycle to end")
            answered = len(gateway.calls)
            text = ""
            for _ in range(30):
                text = scrape(port)
            time.sleep(1.0)  # a call a scrape had started would have been answered by now
            assert len(gateway.calls) == answered
    # ... and the collector counted every call the simulator answered, no more.
    counted = samples(text)["smsdash_api_calls_total"]
    assert sum(counted.values()) == answered >= 14


def test_a_rejected_key_fires_the_api_key_alert_in_the_real_prometheus(tmp_path: Path) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway) as server:
        port = free_port()
        env = {"SMSDASH_POLL_INTERVAL": "0.5", "SMSDASH_AUTH_RETRY": "1"}
        with (
            collector(tmp_path, server.url, "not-the-key", port, **env),
            Prometheus(tmp_path, port) as prom,
        ):

            def firing() -> list[dict[str, dict[str, str]]]:
                alerts = prom.api("alerts")["alerts"]
                return [a for a in alerts if a["state"] == "firing"]

            alerts = wait_for(firing, 60, "an alert to fire")
            # Cycles run, but none counts as successful while the key is rejected.
            assert (prom.value("smsdash_cycle_duration_seconds_count") or 0) > 0
            assert prom.query("smsdash_last_successful_cycle_timestamp_seconds") == {}
            assert prom.value("smsdash_api_key_rejected") == 1
    assert [a["labels"]["alertname"] for a in alerts] == ["SmsdashApiKey"]
    assert alerts[0]["labels"]["account"] == "acme"
    assert alerts[0]["labels"]["rule"] == "api_key"
    assert "SMSDASH_API_KEY" in alerts[0]["annotations"]["description"]
    assert {c.error_code for c in gateway.calls} == {103}
