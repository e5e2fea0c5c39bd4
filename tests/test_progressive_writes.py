"""Status answers reach the database in small batches while the cycle still runs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account, ManualClock
from db.engine import make_engine
from db.migrate import upgrade
from db.models import ApiCall, Message, Request
from db.types import utcnow
from tests.conftest import ROOT
from tests.sim_helpers import assert_changes_recorded_once, make_poller
from tests.test_rollups import rebuilt, snapshot

KEY = "progressive-key"


def _count(engine: Engine, what: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(what)).scalar_one())  # type: ignore[arg-type]


def _status_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(ApiCall.method == "RequestStatus")
        return int(conn.execute(query).scalar_one())


def _send(gateway: Gateway, n: int) -> None:
    for i in range(n):
        gateway.send(KEY, f"42077{i:06d}8", "progress")  # ...8: waits minutes for its receipt


def test_status_rows_are_visible_while_the_cycle_still_runs(engine: Engine) -> None:
    gateway = Gateway([Account(KEY)], faults=Faults(latency=0.1), clock=ManualClock())
    with SimulatorServer(gateway) as server:
        _send(gateway, 80)
        poller = make_poller(
            server.url, engine, KEY, poll_concurrency=2, write_interval=0.2, write_batch=10
        )
        cycle = threading.Thread(target=poller.cycle)
        cycle.start()
        deadline = time.monotonic() + 60
        seen = 0
        while time.monotonic() < deadline and cycle.is_alive() and seen == 0:
            seen = _count(engine, Message)
            time.sleep(0.05)
        still_running = cycle.is_alive()
        cycle.join(timeout=120)
    assert seen > 0 and still_running, "a status row was stored before the cycle's end"
    assert seen < 80
    assert _count(engine, Message) == 80


def test_the_most_overdue_requests_are_asked_first(engine: Engine) -> None:
    gateway = Gateway([Account(KEY)], clock=ManualClock())
    with SimulatorServer(gateway) as server:
        _send(gateway, 12)
        poller = make_poller(server.url, engine, KEY, poll_concurrency=1)
        poller.cycle()
        ids = sorted(gateway.requests)
        random.Random(7).shuffle(ids)
        now = utcnow()
        with engine.begin() as conn:
            for age, rid in enumerate(ids):
                conn.execute(
                    update(Request)
                    .where(Request.request_id == rid)
                    .values(next_poll_at=now - timedelta(minutes=age + 1))
                )
        before = len(gateway.calls)
        poller.cycle()
        asked = [c.request_id for c in gateway.calls[before:] if c.method == "RequestStatus"]
    assert asked == list(reversed(ids))


def test_kill_9_mid_cycle_loses_at_most_one_batch_and_leaves_consistent_rollups(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'smsdash.db'}"
    engine = make_engine(url)
    upgrade(engine)
    batch, concurrency, requests = 10, 2, 300
    gateway = Gateway([Account(KEY)], faults=Faults(latency=0.1), clock=ManualClock())
    env = {
        **os.environ,
        "SMSDASH_API_KEY": KEY,
        "SMSDASH_DATABASE_URL": url,
        "SMSDASH_POLL_CONCURRENCY": str(concurrency),
        "SMSDASH_WRITE_BATCH": str(batch),
        "SMSDASH_WRITE_INTERVAL": "30",  # the size rule alone decides here
    }
    with SimulatorServer(gateway) as server:
        env["SMSDASH_API_URL"] = server.url
        _send(gateway, requests)
        proc = subprocess.Popen(
            [sys.executable, "-m", "collector", "run"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and _count(engine, Message) < 3 * batch:
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        answered = sum(
            1 for c in gateway.calls if c.method == "RequestStatus" and c.http_status == 200
        )
    stored = _status_rows(engine)
    assert 3 * batch <= stored < requests, "killed in the middle of the cycle"
    # What is lost: the batch being filled (or written), plus the answers that arrived
    # during one write, plus the calls in flight whose answers never reached the collector.
    assert answered - stored <= 2 * batch + concurrency, (answered, stored)
    assert stored % batch == 0, "whole batches only: no partial write"
    assert _count(engine, Message) == stored
    assert snapshot(engine) == rebuilt(engine)
    assert_changes_recorded_once(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
