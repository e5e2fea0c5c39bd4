"""The /metrics settings, the registry's labels and counters, without a Prometheus server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from collector.__main__ import main
from collector.errors import ConfigError
from collector.metrics import AccountMetrics, CollectorMetrics
from collector.metrics_http import serve
from collector.settings import load
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.models import ApiCall, Message
from db.read.ages import AGE_BUCKETS
from db.read.metrics import snapshot
from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record
from tests.conftest import ROOT
from tests.seed import MESSAGES, seed
from tests.sim_helpers import make_poller, send_mix, true_states


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("127.0.0.53:1", ("127.0.0.53", 1)),
        ("[::1]:9464", ("::1", 9464)),
        ("localhost:9464", ("localhost", 9464)),
    ],
)
def test_a_loopback_metrics_address_is_accepted(raw: str, want: tuple[str, int]) -> None:
    assert load(environ={"SMSDASH_METRICS_ADDR": raw}).metrics_addr == want


@pytest.mark.parametrize("raw", ["0.0.0.0:9464", "192.168.1.5:9464", "[::]:9464", "mon.lan:9464"])
def test_any_other_metrics_address_needs_the_operators_explicit_consent(raw: str) -> None:
    with pytest.raises(ConfigError, match="SMSDASH_METRICS_ALLOW_REMOTE=true"):
        load(environ={"SMSDASH_METRICS_ADDR": raw})
    allowed = load(environ={"SMSDASH_METRICS_ADDR": raw, "SMSDASH_METRICS_ALLOW_REMOTE": "true"})
    assert allowed.metrics_addr is not None and allowed.metrics_addr[1] == 9464


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMSDASH_METRICS_ADDR": "9464"}, "not host:port"),
        ({"SMSDASH_METRICS_ADDR": "127.0.0.1:http"}, "port is not a number"),
        ({"SMSDASH_METRICS_ADDR": "127.0.0.1:70000"}, "0-65535"),
        (
            {"SMSDASH_METRICS_ADDR": "0.0.0.0:1", "SMSDASH_METRICS_ALLOW_REMOTE": "maybe"},
            "SMSDASH_METRICS_ALLOW_REMOTE='maybe' is not a yes/no value",
        ),
    ],
)
def test_a_bad_metrics_setting_is_refused_with_a_message_naming_it(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(environ=env)


def test_metrics_are_off_unless_an_address_is_set() -> None:
    assert load(environ={}).metrics_addr is None


def test_run_with_a_public_metrics_address_stops_at_start_with_exit_2(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    args = ["run", "--api-key", "k", "--database-url", sqlite_url, "--metrics-addr", "0.0.0.0:1"]
    assert main(args) == 2
    assert "not a loopback address" in caplog.text


def test_the_collectors_metrics_load_without_pandas() -> None:
    # pandas would triple the collector's peak memory (about 75 MB to 195 MB) for a few sums.
    probe = (
        "import sys, collector.__main__, collector.metrics; "
        "print(sorted(m for m in ('pandas', 'numpy', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_a_port_already_in_use_is_a_clear_configuration_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(CollectorMetrics(None, ["acme"]).registry, "127.0.0.1", port)


def _call(method: str, outcome: str, code: int | None = None) -> ApiCallRecord:
    return ApiCallRecord(method, datetime.now(UTC), 120.0, outcome, error_code=code)


def _acme(engine: Engine) -> AccountMetrics:
    """The one account of a fresh registry."""
    return CollectorMetrics(engine, ["acme"])["acme"]


def _page(
    metrics: AccountMetrics | CollectorMetrics,
) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    registry = metrics.metrics.registry if isinstance(metrics, AccountMetrics) else metrics.registry
    text = generate_latest(registry).decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_error_codes_from_outside_the_table_share_one_label_value(engine: Engine) -> None:
    metrics = _acme(engine)
    for code in (902, 4711, 123456789, 102, None):
        metrics.observe_call(_call("RequestStatus", "server_error", code))
    calls = _page(metrics)["smsdash_api_calls_total"]
    codes = sorted(dict(labels)["code"] for labels in calls)
    assert codes == ["102", "902", "none", "other"]
    assert sum(calls.values()) == 5


def test_the_key_flag_rises_with_error_103_and_falls_with_the_next_good_call(
    engine: Engine,
) -> None:
    metrics = _acme(engine)
    flag = (("account", "acme"),)
    assert _page(metrics)["smsdash_api_key_rejected"][flag] == 0
    metrics.observe_call(_call("RequestList", "client_error", 103))
    metrics.observe_call(_call("RequestList", "server_error", 912))
    assert _page(metrics)["smsdash_api_key_rejected"][flag] == 1
    metrics.observe_call(_call("RequestList", "ok"))
    assert _page(metrics)["smsdash_api_key_rejected"][flag] == 0


def test_the_final_message_counter_never_goes_down(engine: Engine) -> None:
    metrics = _acme(engine)
    counts = [{"delivered": 100, "failed": 5}, {"delivered": 130, "failed": 5}]
    counts += [{"delivered": 90, "failed": 2}, {"delivered": 95, "failed": 4}]
    seen = []
    for outcomes in counts:  # e.g. rows removed by hand between two cycles
        metrics._count_finals(outcomes)
        page = _page(metrics)["smsdash_messages_final_total"]
        seen.append({dict(k)["outcome"]: v for k, v in page.items()})
    assert seen == [
        {"delivered": 0, "failed": 0},
        {"delivered": 30, "failed": 0},
        {"delivered": 30, "failed": 0},
        {"delivered": 35, "failed": 2},
    ]


def test_an_empty_database_gives_zeros_and_leaves_out_what_is_unknown(engine: Engine) -> None:
    metrics = _acme(engine)
    assert metrics.refresh()
    page = _page(metrics)
    assert set(page["smsdash_backlog_messages"].values()) == {0}
    assert len(page["smsdash_backlog_messages"]) == 6
    assert page["smsdash_backlog_oldest_age_seconds"][(("account", "acme"),)] == 0
    for unknown in ("smsdash_credit", "smsdash_credit_runway_seconds"):
        assert unknown not in page  # no sample yet: absent, never a made-up 0
    assert "smsdash_last_successful_call_timestamp_seconds" not in page
    info = page["smsdash_info"]
    assert [dict(k)["account"] for k in info] == ["acme"]


def test_the_server_answers_from_its_own_thread(engine: Engine) -> None:
    metrics = _acme(engine)
    metrics.refresh()
    server = serve(metrics.metrics.registry, "127.0.0.1", 0)
    try:
        answer = requests.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
        assert answer.ok and "smsdash_backlog_messages" in answer.text
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    finally:
        server.stop()


def test_the_snapshot_reads_the_seeded_truth(engine: Engine) -> None:
    now = seed(engine)
    snap = snapshot(engine, "acme", now)
    mine = [m for m in MESSAGES if m.account == "acme"]
    assert snap.outcomes == dict(Counter(m.outcome for m in mine))
    assert snap.by_receipt() == dict(Counter(m.receipt for m in mine))
    assert snap.by_request_state() == dict(Counter(m.request_state for m in mine))
    ages: Counter[str] = Counter()
    for m in mine:
        if m.outcome == "pending":
            age = m.minutes_ago * 60
            ages[next(label for label, limit in AGE_BUCKETS if limit is None or age < limit)] += 1
    assert snap.backlog == {label: ages[label] for label, _limit in AGE_BUCKETS}
    oldest = max(m.minutes_ago for m in mine if m.outcome == "pending")
    assert snap.oldest_pending == now - timedelta(minutes=oldest)
    assert snap.credit == 980.0
    # 20 CZK spent in the 9 hours between the first and the last sample
    assert snap.runway_seconds == pytest.approx(980.0 / (20.0 / 9) * 3600)
    assert snap.last_ok_call == now - timedelta(minutes=20)


def test_costly_totals_are_read_again_only_within_their_time_budget(engine: Engine) -> None:
    now = seed(engine)
    metrics = _acme(engine)
    metrics.refresh()

    def pending() -> tuple[float, float]:
        page = _page(metrics)
        by_outcome = page["smsdash_messages_by_outcome"]
        total = by_outcome[(("account", "acme"), ("outcome", "pending"))]
        return total, sum(page["smsdash_backlog_messages"].values())

    assert pending() == (3, 3)
    listed = RequestRecord("7001", "high", now, None, "MyShop", None, 1)
    record(engine, Observations("acme", datetime.now(UTC), listed=[listed]))
    record(
        engine,
        Observations("acme", datetime.now(UTC), statuses={"7001": [NumberRecord("1", 1, 1, 1)]}),
    )
    metrics._totals_cost = 3600.0  # as if the last read of the totals had taken an hour
    metrics.refresh()
    assert pending() == (3, 4)  # the backlog is read every time
    metrics._totals_cost = 0.0
    metrics.refresh()
    assert pending() == (4, 4)


def test_the_first_reads_cost_does_not_hold_back_the_totals_of_the_second(engine: Engine) -> None:
    now = seed(engine)
    metrics = _acme(engine)
    assert metrics.refresh()  # at start: connecting, cold caches
    listed = RequestRecord("7001", "high", now, None, "MyShop", None, 1)
    record(engine, Observations("acme", datetime.now(UTC), listed=[listed]))
    statuses = {"7001": [NumberRecord("1", 1, 1, 1)]}
    record(engine, Observations("acme", datetime.now(UTC), statuses=statuses))
    assert metrics.refresh()  # right after the first cycle
    by_outcome = _page(metrics)["smsdash_messages_by_outcome"]
    mine = [m for m in MESSAGES if m.account == "acme"]
    pending = sum(m.outcome == "pending" for m in mine)
    assert by_outcome[(("account", "acme"), ("outcome", "pending"))] == pending + 1


def test_each_call_is_counted_once_by_the_poller_the_metrics_and_the_database_of_its_account(
    engine: Engine,
) -> None:
    keys = {"shop": "shop-k3y-0a1b", "clinic": "clinic-k3y-0a1b"}
    faults = Faults(server_error=0.2, drop=0.1, empty_status=0.2)
    gateway = Gateway([Account(keys["shop"]), Account(keys["clinic"], faults=faults)], scale=100)
    with SimulatorServer(gateway) as server:
        send_mix(gateway, keys["shop"])
        send_mix(gateway, keys["clinic"])
        pollers = {name: make_poller(server.url, engine, keys[name], account=name) for name in keys}
        metrics = CollectorMetrics(engine, list(pollers))
        for name, poller in pollers.items():
            metrics[name].attach(poller)

        deadline = time.monotonic() + 60
        # Until the clinic's calls have failed both ways and succeeded; every cycle ends
        # with its calls written, so nothing is in flight when the counts are compared.
        while not (
            pollers["shop"].cycles >= 3 and {"http500", "drop", "empty", None} <= _faults(gateway)
        ):
            assert time.monotonic() < deadline, Counter(c.fault for c in gateway.calls)
            for poller in pollers.values():
                poller.cycle()
    for name in keys:  # the totals by outcome read afresh (their time budget aside)
        metrics[name]._totals_cost = 0.0
        assert metrics[name].refresh()
    page = _page(metrics)
    counted: dict[str, Counter[str]] = {name: Counter() for name in keys}
    for labels, n in page["smsdash_api_calls_total"].items():
        counted[dict(labels)["account"]][dict(labels)["outcome"]] += int(n)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ApiCall.account, ApiCall.outcome, func.count()).group_by(
                ApiCall.account, ApiCall.outcome
            )
        ).all()
    stored: dict[str, Counter[str]] = {name: Counter() for name in keys}
    for account, outcome, n in rows:
        stored[account][outcome] += n
    assert counted == stored
    for name, poller in pollers.items():  # an empty page is an answer: the heartbeat's count
        assert poller.ok_calls == stored[name]["ok"] + stored[name]["empty"] > 0
    # The simulator's log: every call it answered or dropped, of both accounts, once.
    assert sum(sum(c.values()) for c in counted.values()) == len(gateway.calls)
    sim = Counter(c.fault for c in gateway.calls)
    assert counted["clinic"]["server_error"] == sim["http500"] > 0
    assert counted["clinic"]["connection"] == sim["drop"] > 0
    assert counted["clinic"]["empty"] == sim["empty"] > 0
    assert set(counted["shop"]) == {"ok"}
    # Both accounts' figures on the one page, each the database's own for its account.
    outcomes = page["smsdash_messages_by_outcome"]
    stored_messages = {}
    for name in keys:
        mine = {dict(k)["outcome"]: v for k, v in outcomes.items() if dict(k)["account"] == name}
        with engine.connect() as conn:
            stored_messages[name] = conn.execute(
                select(func.count()).select_from(Message).where(Message.account == name)
            ).scalar_one()
        assert sum(mine.values()) == stored_messages[name] > 0
    # The shop's gateway never failed: every number it sent is stored (the clinic's may not).
    assert stored_messages["shop"] == len(true_states(gateway)) // 2
    text = generate_latest(metrics.registry).decode()
    assert text.count("# TYPE smsdash_messages_by_outcome gauge") == 1
    assert text.count("# TYPE process_cpu_seconds_total counter") == 1


def _faults(gateway: Gateway) -> set[str | None]:
    return {c.fault for c in gateway.calls}
