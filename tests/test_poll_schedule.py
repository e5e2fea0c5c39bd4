"""The poller over days of a fast clock: cadence, give-up at the horizon, backoff, postponement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import requests
from sqlalchemy import Engine, select

from collector.client import SmsManagerClient
from collector.poller import Poller
from collector.settings import Settings
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from collector.simulator.scripts import NEVER_DELIVERED
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Message, Request

KEY = "schedule-key"
# The README's promise: (age below which, seconds between polls); 0 means every cycle.
CADENCE = [(600, 0), (3600, 60), (6 * 3600, 300), (24 * 3600, 900), (72 * 3600, 3600)]
HORIZON = 72 * 3600


class FastClock:
    """Wall clock and monotonic clock that move only when the test says so."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC).replace(microsecond=0)
        self.seconds = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return 1000.0 + self.seconds


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def poller_for(url: str, engine: Engine, clock: FastClock, **settings: object) -> Poller:
    config = Settings(
        api_key=KEY,
        api_url=url,
        account="acme",
        **settings,  # type: ignore[arg-type]
    )
    client = SmsManagerClient(requests.Session(), KEY, url, read_timeout=5.0)
    return Poller(client, engine, config, now=clock.now, monotonic=clock.monotonic)


def calls(gateway: Gateway, method: str) -> int:
    return sum(c.method == method for c in gateway.calls)


def test_a_message_is_polled_on_the_documented_cadence_and_given_up_at_the_horizon(
    sqlite_engine: Engine,
) -> None:
    gateway = Gateway([Account(KEY)], scale=1)
    clock = FastClock()
    with SimulatorServer(gateway) as server:
        rid = gateway.send(KEY, NEVER_DELIVERED, "never final").request_id
        poller = poller_for(server.url, sqlite_engine, clock, credit_interval=10**9)
        polled: list[float] = []
        # Steps of half the expected gap, so a poll that came early would be seen.
        for until, step in [(3600, 30), (6 * 3600, 150), (24 * 3600, 450), (HORIZON + 7200, 1800)]:
            while clock.seconds < until:
                before = calls(gateway, "RequestStatus")
                poller.cycle()
                if calls(gateway, "RequestStatus") > before:
                    polled.append(clock.seconds)
                clock.seconds += step
    assert polled[:20] == [30.0 * i for i in range(20)], "every cycle for the first 10 minutes"
    for age, following in pairwise(polled[19:]):
        gap = next(g for below, g in CADENCE if age < below)
        assert following - age == max(gap, 30), f"polled at {age} s, then at {following} s"
    assert polled[-1] == HORIZON, "the last poll is the one at the horizon"
    with sqlite_engine.connect() as conn:
        message = conn.execute(
            select(Message.final_at, Message.gave_up_at, Message.next_poll_at).where(
                Message.request_id == rid
            )
        ).one()
        request = conn.execute(select(Request.gave_up_at).where(Request.request_id == rid))
        request_gave_up = request.scalar_one()
    horizon_at = clock.start + timedelta(seconds=HORIZON)
    assert message == (None, horizon_at, None)
    assert request_gave_up == horizon_at


def test_three_retryable_failures_in_a_row_back_a_method_off_with_jitter_up_to_the_cap(
    sqlite_engine: Engine,
) -> None:
    faults = Faults(methods=frozenset({"RequestList"}))
    gateway = Gateway([Account(KEY)], scale=1, faults=faults)
    clock = FastClock()
    with SimulatorServer(gateway) as server:
        gateway.send(KEY, NEVER_DELIVERED, "never final")
        config = {"credit_interval": 10**9, "poll_interval": 1.0}  # backoff base: 1 s
        poller = poller_for(server.url, sqlite_engine, clock, **config)
        poller.cycle()  # lists the request: it is due every cycle for ten minutes
        faults.server_error = 1.0
        for _ in range(3):  # isolated failures are retried on the next cycle
            poller.cycle()
        assert calls(gateway, "RequestList") == 4
        statuses = calls(gateway, "RequestStatus")
        poller.cycle()  # after the third failure in a row the list waits; the rest carries on
        assert calls(gateway, "RequestList") == 4
        assert calls(gateway, "RequestStatus") == statuses + 1
        failed_at, gaps = clock.seconds, []
        for streak in range(3, 14):
            nominal = min(300.0, 2.0 ** (streak - 3))  # doubling from the base up to the cap
            step = nominal / 20
            listed = calls(gateway, "RequestList")
            for _ in range(40):
                clock.seconds += step
                poller.cycle()
                if calls(gateway, "RequestList") > listed:
                    break
            gap = clock.seconds - failed_at
            assert nominal * 0.5 <= gap <= nominal * 1.5 + step, (streak, gap)
            gaps.append(gap)
            failed_at = clock.seconds
            if streak == 12:
                faults.server_error = 0.0  # the next call, after this pause, succeeds
        assert all(150 <= gap <= 465 for gap in gaps[-2:]), gaps  # 300 s at most, ±50 %
        assert poller.backoff.streak == {}, "a success ends the streak"
        faults.server_error = 1.0
        listed = calls(gateway, "RequestList")
        for _ in range(3):
            poller.cycle()
        assert calls(gateway, "RequestList") == listed + 3, "a new streak starts from the grace"


def test_a_client_error_on_a_status_call_postpones_that_request_by_5_minutes(
    sqlite_engine: Engine,
) -> None:
    gateway = Gateway([Account(KEY)], scale=1)
    clock = FastClock()
    with SimulatorServer(gateway) as server:
        rid = gateway.send(KEY, NEVER_DELIVERED, "never final").request_id
        poller = poller_for(server.url, sqlite_engine, clock, credit_interval=10**9)
        poller.cycle()
        gateway.requests.pop(rid)  # the gateway now answers 102: no such request
        clock.seconds = 1
        poller.cycle()
        statuses = calls(gateway, "RequestStatus")
        assert [c.error_code for c in gateway.calls if c.method == "RequestStatus"][-1] == 102
        with sqlite_engine.connect() as conn:
            due = conn.execute(select(Request.next_poll_at).where(Request.request_id == rid))
            assert due.scalar_one() == clock.now() + timedelta(minutes=5)
        clock.seconds = 1 + 299
        poller.cycle()
        assert calls(gateway, "RequestStatus") == statuses
        clock.seconds = 1 + 300
        poller.cycle()
        assert calls(gateway, "RequestStatus") == statuses + 1
