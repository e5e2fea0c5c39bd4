"""The collector against the simulator over real HTTP into real SQLite files."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.engine import make_engine
from db.migrate import upgrade
from db.models import ApiCall, Message
from tests.sim_helpers import (
    assert_changes_recorded_once,
    make_poller,
    poll_until_truth,
    send_mix,
    stored_states,
    true_states,
)

KEY = "k3y-Sup3rSecret-9f8e7d"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_the_collector_reaches_the_simulators_truth_and_stops_polling_final_messages(
    engine: Engine,
) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        poller = make_poller(server.url, engine, KEY)
        poll_until_truth(poller, gateway, engine, timeout=60)
        assert stored_states(engine) == true_states(gateway)
        assert_changes_recorded_once(engine)
        # Every state the collector saw lies on the number's true path, in order.
        for (rid, number), _state in true_states(gateway).items():
            history = [(s, r) for _t, s, r in gateway.history(rid, number)]
            assert history[-1] == stored_states(engine)[(rid, number)]

        before = Counter(c.request_id for c in gateway.calls if c.method == "RequestStatus")
        for _ in range(5):
            poller.cycle()
        after = Counter(c.request_id for c in gateway.calls if c.method == "RequestStatus")
    polled_again = {rid for rid in after if after[rid] > before[rid]}
    with engine.connect() as conn:
        live = set(
            conn.execute(select(Message.request_id).where(Message.final_at.is_(None))).scalars()
        )
    assert polled_again == live  # only the never-delivered test number's request
    assert len(live) == 1


def test_with_every_fault_switched_on_the_same_truth_is_reached_and_every_failure_recorded(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    faults = Faults(
        server_error=0.1,
        unavailable_empty=0.05,
        unavailable_html=0.05,
        slow=0.04,
        slow_seconds=0.6,
        drop=0.05,
        empty_status=0.1,
        unknown_codes=0.05,
    )
    gateway = Gateway([Account(KEY)], scale=100, faults=faults)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        poller = make_poller(server.url, sqlite_engine, KEY, read_timeout=0.3, credit_interval=0.2)
        poll_until_truth(poller, gateway, sqlite_engine, timeout=120)
        time.sleep(faults.slow_seconds + 0.2)  # let slow answers land in the call log
    assert_changes_recorded_once(sqlite_engine)
    sim = Counter(c.fault for c in gateway.calls)
    with sqlite_engine.connect() as conn:
        stored = Counter(
            (outcome, status, code is not None and code >= 900)
            for outcome, status, code in conn.execute(
                select(ApiCall.outcome, ApiCall.http_status, ApiCall.error_code)
            )
        )
        empty = conn.execute(
            select(func.count()).where(
                ApiCall.detail == "empty body",
                ApiCall.outcome == "empty",
                ApiCall.method == "RequestStatus",
            )
        ).scalar_one()
        total = conn.execute(select(func.count()).select_from(ApiCall)).scalar_one()
    assert min(sim["http500"], sim["http503"], sim["drop"], sim["slow"], sim["empty"]) > 0
    assert stored[("server_error", 500, True)] == sim["http500"]
    assert stored[("server_error", 503, False)] == sim["http503"] + sim["http503html"]
    assert stored[("connection", None, False)] == sim["drop"]
    assert stored[("timeout", None, False)] == sim["slow"]
    assert empty == sim["empty"]
    assert total == len(gateway.calls)

    # The key is a secret: not in the log, not in any stored row.
    assert KEY not in caplog.text
    with sqlite_engine.connect() as conn:
        dump = "\n".join(conn.connection.dbapi_connection.iterdump())  # type: ignore[union-attr]
    assert KEY not in dump
    assert "apikey" not in dump.lower()


def test_a_wrong_key_stops_polling_loudly_without_a_tight_loop(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        poller = make_poller(server.url, sqlite_engine, "wrong-key", auth_retry=0.5)
        deadline = time.monotonic() + 1.6
        while time.monotonic() < deadline:
            poller.cycle()
            time.sleep(0.02)
    calls = len(gateway.calls)
    assert 3 <= calls <= 5, f"{calls} calls in 1.6 s with a 0.5 s retry"
    lines = [r for r in caplog.records if "rejected the API key" in r.getMessage()]
    assert len(lines) == 1 and "SMSDASH_API_KEY" in lines[0].getMessage()
    with sqlite_engine.connect() as conn:
        codes = conn.execute(select(ApiCall.error_code, ApiCall.http_status)).all()
    assert codes and set(codes) == {(103, 401)}


def test_requests_that_leave_the_list_are_still_polled_until_final(sqlite_engine: Engine) -> None:
    # 12 gateway seconds (0.12 s here): long enough for the first cycle to see every request
    # on a busy machine, and shorter than every path but the invalid request's (5 s)
    gateway = Gateway([Account(KEY)], scale=100, list_window=12)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        poller = make_poller(server.url, sqlite_engine, KEY)
        poll_until_truth(poller, gateway, sqlite_engine, timeout=60)
        assert gateway.request_list(KEY) == []  # all have left the list by now
    assert stored_states(sqlite_engine) == true_states(gateway)
