"""Several accounts in one collector: a rejected key or a 9xx storm does not slow the others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from collector.__main__ import main
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.engine import make_engine
from db.migrate import upgrade
from db.models import ApiCall, Message
from tests.conftest import ROOT
from tests.sim_helpers import send_mix, true_states

HEALTHY, STORM, REJECTED = "healthy-key-0123", "storm-key-0123", "rejected-key-0123"
ACCOUNTS = """
[[account]]
name = "healthy"
key_env = "HEALTHY_KEY"

[[account]]
name = "storm"
key_env = "STORM_KEY"

[[account]]
name = "rejected"
key_env = "REJECTED_KEY"
"""


def _gateway(storm_latency: float) -> Gateway:
    storm = Faults(server_error=1.0, latency=storm_latency)
    return Gateway([Account(HEALTHY), Account(STORM, faults=storm)], scale=60)


def _env(tmp_path: Path, url: str, api_url: str) -> dict[str, str]:
    accounts = tmp_path / "accounts.toml"
    accounts.write_text(ACCOUNTS)
    env = {k: v for k, v in os.environ.items() if k not in ("SMSDASH_API_KEY", "SMSDASH_ACCOUNT")}
    return {
        **env,
        "HEALTHY_KEY": HEALTHY,
        "STORM_KEY": STORM,
        "REJECTED_KEY": REJECTED,
        "SMSDASH_ACCOUNTS_FILE": str(accounts),
        "SMSDASH_DATABASE_URL": url,
        "SMSDASH_API_URL": api_url,
        "SMSDASH_POLL_INTERVAL": "0.3",
        "SMSDASH_READ_TIMEOUT": "20",
    }


def _healthy_states(engine: Engine) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Message.request_id, Message.number, Message.request_state, Message.receipt_state
            ).where(Message.account == "healthy")
        ).all()
    return {(r, n): (s, c) for r, n, s, c in rows}


def _calls(engine: Engine, account: str) -> list[tuple[str, int, str, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ApiCall.method, ApiCall.started_at, ApiCall.outcome, ApiCall.error_code)
            .where(ApiCall.account == account)
            .order_by(ApiCall.id)
        ).all()
    return [(m, int(s.timestamp()), o, c) for m, s, o, c in rows]


def test_the_healthy_account_keeps_its_pace_beside_a_rejected_key_and_a_9xx_storm(
    tmp_path: Path, db_url: str
) -> None:
    gateway = _gateway(storm_latency=5.0)  # each storm call takes 5 s, then fails
    engine = make_engine(db_url)
    upgrade(engine)  # the tables exist before the collector's first write is looked for
    with SimulatorServer(gateway) as server:
        send_mix(gateway, HEALTHY)
        send_mix(gateway, STORM)
        healthy_truth = {
            k: v
            for k, v in true_states(gateway).items()
            if gateway.requests[k[0]].api_key == HEALTHY
        }
        log = tmp_path / "collector.log"
        with open(log, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "collector", "run"],
                env=_env(tmp_path, db_url, server.url),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            try:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    healthy_truth = {
                        k: v
                        for k, v in true_states(gateway).items()
                        if gateway.requests[k[0]].api_key == HEALTHY
                    }
                    stormed = sum(o == "server_error" for *_x, o, _c in _calls(engine, "storm"))
                    if (
                        gateway.quiescent()
                        and _healthy_states(engine) == healthy_truth
                        and stormed >= 2  # the storm ran beside the healthy account a while
                    ):
                        break
                    time.sleep(0.2)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=30) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
    text = log.read_text()
    assert _healthy_states(engine) == healthy_truth, text[-2000:]
    healthy = [s for m, s, _o, _c in _calls(engine, "healthy") if m == "RequestList"]
    gaps = [b - a for a, b in pairwise(healthy)]
    # Polled every 0.3 s; a 5 s storm call in its way would show as a gap of 5 s or more.
    assert len(healthy) >= 5 and max(gaps) < 4, gaps
    storm = _calls(engine, "storm")
    # The storm's last call may be cut by the SIGTERM (a connection outcome).
    assert {o for *_x, o, _c in storm} <= {"server_error", "connection"}
    assert sum(o == "server_error" for *_x, o, _c in storm) >= 2
    rejected = _calls(engine, "rejected")
    assert [(m, o, c) for m, _s, o, c in rejected] == [("RequestList", "client_error", 103)]
    assert "account rejected" in text and "REJECTED_KEY" in text
    assert not any(key in text for key in (HEALTHY, STORM, REJECTED))
    engine.dispose()


def test_once_with_an_accounts_file_polls_every_account_and_exits_4_for_a_rejected_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'smsdash.db'}"
    gateway = _gateway(storm_latency=0.0)
    with SimulatorServer(gateway) as server:
        send_mix(gateway, HEALTHY)
        for name, value in _env(tmp_path, url, server.url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SMSDASH_API_KEY", raising=False)
        monkeypatch.delenv("SMSDASH_ACCOUNT", raising=False)
        assert main(["once"]) == 4
    engine = make_engine(url)
    assert len(_healthy_states(engine)) == len(true_states(gateway))
    assert {o for _m, _s, o, _c in _calls(engine, "storm")} == {"server_error"}
    assert _calls(engine, "rejected")[0][3] == 103
    engine.dispose()


def test_check_with_an_accounts_file_checks_every_account_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = _gateway(storm_latency=0.0)
    with SimulatorServer(gateway) as server:
        send_mix(gateway, HEALTHY)
        env = _env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", server.url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SMSDASH_API_KEY", raising=False)
        monkeypatch.delenv("SMSDASH_ACCOUNT", raising=False)
        assert main(["check"]) == 4
    out = capsys.readouterr().out
    assert [line.split("'")[1] for line in out.splitlines() if "account label" in line] == [
        "healthy",
        "storm",
        "rejected",
    ]
    assert not any(key in out for key in (HEALTHY, STORM, REJECTED))
