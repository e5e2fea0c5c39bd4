"""The alerting collector as a process: kill -9 mid-episode, notify-test, bad alert settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector.__main__ import main
from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.engine import make_engine
from db.models import AlertEpisode, AlertNotification, ApiCall
from tests.alert_helpers import HttpReceiver, SmtpReceiver, count, free_port, only, wait_for
from tests.conftest import ROOT

KEY = "k1ll-9-alerts-key"


def _calls(db: str) -> int:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ApiCall)).scalar_one())
    except Exception:
        return 0  # not created yet
    finally:
        engine.dispose()


@pytest.mark.slow
def test_kill_9_and_restart_mid_episode_neither_forget_the_alert_nor_notify_twice(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'alerts.db'}"
    rules = tmp_path / "alerts.toml"
    rules.write_text(only("api_key"), encoding="utf-8")
    gateway = Gateway([Account(KEY)], scale=100)
    with HttpReceiver() as http, SimulatorServer(gateway) as server:
        env = {
            **os.environ,
            "SMSDASH_DATABASE_URL": db,
            "SMSDASH_API_URL": server.url,
            "SMSDASH_API_KEY": "a-rejected-key",
            "SMSDASH_POLL_INTERVAL": "0.1",
            "SMSDASH_AUTH_RETRY": "0.2",
            "SMSDASH_ALERTS_FILE": str(rules),
            "SMSDASH_NOTIFY": http.url,
            "SMSDASH_HEARTBEAT_URL": http.heartbeat_url,
        }

        def start(key: str) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "collector", "run"],
                env={**env, "SMSDASH_API_KEY": key},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

        for round_ in range(3):  # killed at a different number of cycles into the episode
            proc = start("a-rejected-key")
            before = _calls(db)
            try:
                wait_for("the firing", lambda: count(http.titles(), "FIRING", "API key"), 60)
                wait_for("more cycles", lambda: _calls(db) >= before + 2 + round_, 60)  # noqa: B023
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=20)
        assert count(http.titles(), "FIRING", "API key") == 1
        assert http.pings == []  # no successful cycle yet, so no heartbeat

        proc = start(KEY)
        try:
            wait_for("the resolution", lambda: count(http.titles(), "RESOLVED", "API key"), 60)
            wait_for("a heartbeat", lambda: http.pings, 30)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
    assert count(http.titles(), "FIRING", "API key") == 1
    assert count(http.titles(), "RESOLVED", "API key") == 1
    engine = make_engine(db)
    with engine.connect() as conn:
        episodes = conn.execute(select(AlertEpisode.resolved_at)).all()
        notes = conn.execute(select(AlertNotification.kind, AlertNotification.status)).all()
    engine.dispose()
    assert len(episodes) == 1 and episodes[0][0] is not None
    assert sorted(notes) == [("firing", "sent"), ("resolved", "sent")]


def test_notify_test_reports_each_target_and_records_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'notify.db'}"
    dead = f"json://127.0.0.1:{free_port()}/gone"
    with HttpReceiver() as http, SmtpReceiver() as smtp:
        monkeypatch.setenv("SMSDASH_NOTIFY", f"{http.url}, {smtp.url} {dead}")
        assert main(["notify-test", "--database-url", db]) == 1
        out = capsys.readouterr().out.splitlines()
        assert http.titles() == ["[smsdash] TEST"]
        assert smtp.titles() == ["[smsdash] TEST"]
        monkeypatch.setenv("SMSDASH_NOTIFY", f"{http.url},{smtp.url}")
        assert main(["notify-test", "--database-url", db]) == 0
    assert [line.split()[0] for line in out] == ["ok", "ok", "FAILED"]
    assert "gone" in out[2] and "Connection error" in out[2]
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(AlertNotification.kind, AlertNotification.status).order_by(AlertNotification.id)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("test", "sent"), ("test", "sent"), ("test", "failed")] + [
        ("test", "sent")
    ] * 2


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SMSDASH_NOTIFY", "nosuchservice://x", "SMSDASH_NOTIFY"),
        ("SMSDASH_HEARTBEAT_URL", "ftp://x", "SMSDASH_HEARTBEAT_URL"),
        ("SMSDASH_DASHBOARD_URL", "dashboard", "SMSDASH_DASHBOARD_URL"),
        ("SMSDASH_LANGUAGE", "de", "SMSDASH_LANGUAGE"),
        ("SMSDASH_ALERTS_FILE", "/nonexistent/alerts.toml", "SMSDASH_ALERTS_FILE"),
    ],
)
def test_a_bad_alert_setting_stops_the_start_naming_it(
    variable: str,
    value: str,
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(variable, value)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["once", "--api-key", "k", "--database-url", db]) == 2
    assert named in caplog.text


def test_notify_test_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["notify-test", "--help"])
    assert exit_info.value.code == 0
    assert "SMSDASH_NOTIFY" in capsys.readouterr().out
