"""The collector and its database: one collector per account, clear errors, a file that vanishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from collector.__main__ import main
from collector.guard import CollectorLock
from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.engine import make_engine
from tests.conftest import PG_HINT, PG_URL, ROOT, reset_postgres
from tests.sim_helpers import send_mix

KEY = "database-Key-1a2b3c4d"


def test_a_missing_folder_is_named_with_what_to_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "no" / "such"
    assert main(["init-db", "--database-url", f"sqlite:///{folder / 'x.db'}"]) == 3
    assert f"the folder {folder} does not exist" in caplog.text
    assert "SMSDASH_DATABASE_URL" in caplog.text


def test_an_unreachable_postgres_server_is_named_without_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "postgresql://smsdash:s3cret-pw@127.0.0.1:9/smsdash"
    assert main(["init-db", "--database-url", url]) == 3
    line = next(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert "127.0.0.1:9" in line and "cannot reach the server" in line
    assert "s3cret-pw" not in caplog.text and "\n" not in line


def test_a_second_collector_for_the_same_account_refuses_to_start(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(db_url)
    first = CollectorLock(engine, "acme")
    first.acquire()
    try:
        argv = ["once", "--api-key", KEY, "--api-url", "http://127.0.0.1:9/"]
        assert main([*argv, "--database-url", db_url, "--account", "acme"]) == 5
        assert "another collector already polls account 'acme'" in caplog.text
        # Another account in the same database is another collector's work.
        assert main([*argv, "--database-url", db_url, "--account", "other"]) == 1
    finally:
        first.release()
        engine.dispose()
    # Released (as when the first one stops or dies): the next one starts.
    assert main([*argv, "--database-url", db_url, "--account", "acme"]) == 1


def test_two_collectors_starting_at_once_on_an_empty_postgres_both_migrate() -> None:
    if not PG_URL:
        pytest.skip(PG_HINT)
    for _attempt in range(3):  # the race is real only if both start before either commits
        reset_postgres(PG_URL)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "collector", "init-db", "--database-url", PG_URL],
                cwd=ROOT,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        results = [
            (p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in procs
        ]
        assert [code for code, _ in results] == [0, 0], results
    engine = make_engine(PG_URL)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def _run_collector(tmp_path: Path, server_url: str) -> tuple[subprocess.Popen[bytes], Path]:
    path = tmp_path / "smsdash.db"
    env = {
        **os.environ,
        "SMSDASH_API_KEY": KEY,
        "SMSDASH_API_URL": server_url,
        "SMSDASH_DATABASE_URL": f"sqlite:///{path}",
        "SMSDASH_POLL_INTERVAL": "0.1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return proc, path


def _wait_for_cycles(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists():
            engine = make_engine(f"sqlite:///{path}")
            try:
                with engine.connect() as conn:
                    if conn.exec_driver_sql("SELECT count(*) FROM api_calls").scalar():
                        return
            except Exception:  # the schema may not be committed yet
                pass
            finally:
                engine.dispose()
        time.sleep(0.1)
    raise AssertionError("the collector recorded no call")


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_file_deleted_or_replaced_under_the_collector_stops_it(
    tmp_path: Path, how: str
) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        proc, path = _run_collector(tmp_path, server.url)
        try:
            _wait_for_cycles(path, proc)
            if how == "deleted":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            else:
                (tmp_path / "other.db").write_bytes(b"")
                os.replace(tmp_path / "other.db", path)
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
    log = proc.stderr.read().decode() if proc.stderr else ""
    assert code == 3, log
    assert f"the database file {path} was {how}" in log
    tail = log.split(f"was {how}")[-1]
    assert "cycle" not in tail  # no "successful" cycle reported after it
