"""The command line: help for every command, exit codes, kill -9 and restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector.__main__ import build_parser, main
from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.engine import make_engine
from db.models import Message, Request
from tests.conftest import ROOT
from tests.sim_helpers import (
    assert_changes_recorded_once,
    send_mix,
    stored_states,
    true_states,
    wait_for,
)

COMMANDS = ["check", "run", "once", "init-db", "simulate", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"smsdash-collector {command}" in out and len(out.splitlines()) > 3
    top = build_parser().format_help()
    assert command in top


def test_once_without_a_key_fails_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SMSDASH_API_KEY", raising=False)
    assert main(["once", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "SMSDASH_API_KEY" in caplog.text


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--poll-interval", "soon", "SMSDASH_POLL_INTERVAL"),
        ("--poll-concurrency", "0", "SMSDASH_POLL_CONCURRENCY"),
        ("--give-up-after", "forever", "SMSDASH_GIVE_UP_AFTER"),
        ("--api-url", "ftp://x", "SMSDASH_API_URL"),
        ("--database-url", "mysql://x/y", "SMSDASH_DATABASE_URL"),
    ],
)
def test_a_bad_setting_fails_at_start_with_its_name(
    flag: str, value: str, named: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["once", "--api-key", "k", flag, value]) == 2
    assert named in caplog.text


def test_once_exits_1_when_the_api_is_unreachable_and_records_the_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    key = "unreachable-key-0123"
    argv = ["once", "--api-key", key, "--api-url", "http://127.0.0.1:9/", "--database-url", url]
    assert main(argv) == 1
    unreachable = [r.getMessage() for r in caplog.records if "SMSDASH_API_URL" in r.getMessage()]
    assert len(unreachable) == 1, unreachable  # one line, not one per call
    assert "Connection refused" in unreachable[0] and "HTTPConnection" not in unreachable[0]
    assert key not in caplog.text
    engine = make_engine(url)
    with engine.connect() as conn:
        outcomes = set(conn.exec_driver_sql("SELECT outcome FROM api_calls").scalars())
    assert outcomes == {"connection"}


def test_init_db_on_an_unwritable_path_is_a_database_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["init-db", "--database-url", "sqlite:////proc/nope/x.db"]) == 3
    assert "database" in caplog.text


def test_kill_9_at_any_moment_leaves_a_consistent_database_that_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'smsdash.db'}"
    key = "kill-test-key"
    gateway = Gateway([Account(key)], scale=60)
    env = {
        **os.environ,
        "SMSDASH_API_KEY": key,
        "SMSDASH_DATABASE_URL": url,
        "SMSDASH_ACCOUNT": "acme",
        "SMSDASH_POLL_INTERVAL": "0.02",
    }
    held = []
    with SimulatorServer(gateway, strict=True) as server:
        env["SMSDASH_API_URL"] = server.url
        send_mix(gateway, key)
        send_mix(gateway, key)
        # Each run stops inside its n-th write transaction, after the rows went in and
        # before the commit, says so with a file, and is killed right there.
        for nth in (1, 2, 4, 7):
            folder = tmp_path / f"kill-{nth}"
            folder.mkdir()
            proc = subprocess.Popen(
                [sys.executable, "-m", "collector", "run"],
                env={**env, "SMSDASH_TEST_PAUSE_IN_WRITE": f"{folder}:{nth}"},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            marker = folder / f"in-write-{proc.pid}"
            try:
                wait_for(lambda m=marker, p=proc: m.exists() or p.poll() is not None, 60, "write")
                assert proc.poll() is None, "the collector ended before its write"
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            held.append(int(marker.read_text() or 0))
        proc = subprocess.Popen(
            [sys.executable, "-m", "collector", "run"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        engine = make_engine(url)
        calls = len(gateway.calls)
        # polling, so its signal handlers are set
        wait_for(lambda: len(gateway.calls) >= calls + 2, 60, "the restart polls")
        wait_for(
            lambda: gateway.quiescent() and stored_states(engine) == true_states(gateway),
            90,
            "the restarted collector reaches the truth",
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert any(held), f"state changes in flight at each kill: {held}"
    assert stored_states(engine) == true_states(gateway)
    assert_changes_recorded_once(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Message)).scalar_one() == len(
            true_states(gateway)
        )
        assert conn.execute(select(func.count()).select_from(Request)).scalar_one() == len(
            gateway.requests
        )
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def rendered_kpis(address: str) -> dict[str, str]:
    """The Overview's KPI tiles as a real browser shows them: label -> value."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import CHROMIUM_FLAGS, chromium

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(address)
        tiles = page.get_by_test_id("stMetric")
        expect(tiles.first).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stMetricValue").first).not_to_have_text("0", timeout=60_000)
        labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
        values = page.get_by_test_id("stMetricValue").all_inner_texts()
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def test_the_demo_feeds_a_live_dashboard_and_one_ctrl_c_stops_everything(tmp_path: Path) -> None:
    import requests
    from sqlalchemy import create_engine, inspect

    from tests.test_browser import free_port

    port = free_port()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    real = tmp_path / "real.db"
    # The variable a user exports for their real account: the demo must not touch it.
    env = {**os.environ, "SMSDASH_DATABASE_URL": f"sqlite:///{real}", "SMSDASH_ACCOUNT": "mine"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "collector",
            "demo",
            "--no-browser",
            "--dashboard-port",
            str(port),
            "--database-url",
            url,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    accounts: set[str] = set()
    try:
        deadline = time.monotonic() + 180
        healthy = stored = 0
        while time.monotonic() < deadline and not (healthy and stored):
            time.sleep(1)
            try:
                healthy = requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok
            except requests.ConnectionError:
                healthy = False
            if not (tmp_path / "demo.db").exists():
                continue
            engine = create_engine(url)
            try:
                # The schema appears a moment after the file: wait for it, not for luck.
                if inspect(engine).has_table("messages"):
                    with engine.connect() as conn:
                        stored = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
                        rows = conn.exec_driver_sql("SELECT DISTINCT account FROM messages")
                        accounts = {r[0] for r in rows}
            finally:
                engine.dispose()
        assert healthy, "the dashboard never answered"
        assert stored > 0, "the collector stored no message from the simulated traffic"
        tiles = rendered_kpis(f"http://127.0.0.1:{port}/?range=1h")
        assert set(tiles) >= {"Messages", "Delivered", "Not final yet"}, tiles
        assert int(tiles["Messages"].replace(",", "")) > 0, tiles
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert accounts == {"demo"}
    assert not real.exists(), "the demo wrote into SMSDASH_DATABASE_URL"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)


def test_the_demo_writes_into_its_own_database_when_none_is_given() -> None:
    # `make demo` passes no --database-url: the README promises smsdash-demo.db
    assert build_parser().parse_args(["demo"]).database_url == "sqlite:///smsdash-demo.db"


def test_the_demo_on_a_busy_port_stops_at_once_with_a_one_line_reason(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "collector",
                "demo",
                "--no-browser",
                "--dashboard-port",
                str(port),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"port {port} is busy" in lines[0], done.stderr
    assert not (tmp_path / "smsdash-demo.db").exists()


def test_the_simulated_demo_account_is_topped_up_before_it_runs_dry() -> None:
    gateway = Gateway([Account("k", credit=50.0)])
    assert gateway.top_up("k", below=1000.0, amount=5000.0)
    assert gateway.account("k").credit == 5050.0
    assert not gateway.top_up("k", below=1000.0, amount=5000.0)


def test_once_exits_4_when_the_key_is_rejected(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with SimulatorServer(Gateway([Account("the-right-key-0001")]), strict=True) as server:
        argv = ["once", "--api-key", "a-wrong-key-0002", "--api-url", server.url]
        assert main([*argv, "--database-url", url]) == 4


def test_database_errors_never_show_statement_parameters(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from db.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    with pytest.raises(IntegrityError) as info, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO messages (account, request_id, number) VALUES (:a, NULL, :n)"),
            {"a": "acme", "n": "420777123456"},
        )
    assert "420777123456" not in str(info.value)
    assert "parameters hidden" in str(info.value)
