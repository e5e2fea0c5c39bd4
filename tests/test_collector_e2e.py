"""The collector against the simulator over real HTTP into real SQLite files."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from itertools import groupby, pairwise

import pytest
from sqlalchemy import Engine, func, select

from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from collector.simulator.model import Clock, ManualClock
from db.engine import make_engine
from db.migrate import upgrade
from db.models import ApiCall, Message
from tests.sim_helpers import (
    assert_changes_recorded_once,
    change_chains,
    make_poller,
    poll_until_truth,
    send_mix,
    stored_states,
    true_states,
    wait_for,
)

KEY = "k3y-Sup3rSecret-9f8e7d"


def stored_calls(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ApiCall)).scalar_one()


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
        chains = change_chains(engine)
        for rid, number in true_states(gateway):
            steps = gateway.history(rid, number)
            for kind, column in (("request_state", 1), ("receipt", 2)):
                path = [code for code, _ in groupby(step[column] for step in steps)]
                seen = [new for _old, new in chains[(rid, number, kind)]]
                remaining = iter(path)
                assert seen and all(code in remaining for code in seen), (kind, seen, path)
                assert seen[-1] == path[-1]

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
        # Keep polling (the test number never gets final) until every kind was injected:
        # how many calls that takes depends on the machine, what was injected does not.
        kinds = {"http500", "http503", "http503html", "drop", "slow", "empty"}
        deadline = time.monotonic() + 120
        while kinds - {c.fault for c in gateway.calls} and time.monotonic() < deadline:
            poller.cycle()
        assert not kinds - {c.fault for c in gateway.calls}, "a fault kind was never injected"
        # A slow answer reaches the call log after the client gave up on it.
        wait_for(lambda: stored_calls(sqlite_engine) == len(gateway.calls), 30, "slow answers")
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
        cycles = 0
        deadline = time.monotonic() + 60
        while len(gateway.calls) < 3 and time.monotonic() < deadline:
            poller.cycle()
            cycles += 1
            time.sleep(0.02)
    times = [c.at for c in gateway.calls]
    assert len(times) == 3, f"{len(times)} calls"
    # The poller blocks itself for auth_retry after each answer; the server logs before
    # answering, so consecutive calls are at least that far apart, however busy the machine.
    assert all(b - a >= 0.5 for a, b in pairwise(times)), times
    assert cycles > len(times), "the cycles in between were skipped, not sent"
    lines = [r for r in caplog.records if "rejected the API key" in r.getMessage()]
    assert len(lines) == 1 and "SMSDASH_API_KEY" in lines[0].getMessage()
    with sqlite_engine.connect() as conn:
        codes = conn.execute(select(ApiCall.error_code, ApiCall.http_status)).all()
    assert codes and set(codes) == {(103, 401)}


def test_requests_that_leave_the_list_are_still_polled_until_final(sqlite_engine: Engine) -> None:
    # The gateway's clock stands still for the first cycle, which lists every request; then
    # it jumps past the 12 s list window, shorter than every path but the invalid request's.
    gateway = Gateway([Account(KEY)], scale=100, list_window=12)
    start = gateway.clock.start
    gateway.clock = ManualClock(start)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        poller = make_poller(server.url, sqlite_engine, KEY)
        assert poller.cycle().listed == len(gateway.requests)
        gateway.clock = Clock(100, start=start + timedelta(seconds=13))
        assert gateway.request_list(KEY) == []
        assert not gateway.quiescent()
        poll_until_truth(poller, gateway, sqlite_engine, timeout=60)
    assert stored_states(sqlite_engine) == true_states(gateway)
