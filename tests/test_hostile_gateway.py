"""The collector against a hostile gateway on loopback: bounded time and memory, a recorded
failure, and the key never leaving (not in a log line, a row, an exception or another host)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import traceback
import tracemalloc
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select

from collector.client import SmsManagerClient
from collector.errors import SmsDashError
from db.engine import make_engine
from db.models import ApiCall, Request
from tests import hostile
from tests.conftest import ROOT
from tests.sim_helpers import make_poller

KEY = "hostile-Key-7c1d9e2f"
MB = 1024 * 1024


def client_for(url: str, calls: list, **options: float) -> SmsManagerClient:
    return SmsManagerClient(requests.Session(), KEY, url, on_call=calls.append, **options)  # type: ignore[arg-type]


def assert_key_never_leaves(err: BaseException | None, calls: list, log: str = "") -> None:
    texts = [log, *(repr(c) for c in calls)]
    if err is not None:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    for text in texts:
        assert KEY not in text and "apikey=h" not in text


def failing_call(
    client: SmsManagerClient, method: str = "request_list"
) -> tuple[float, SmsDashError]:
    started = time.monotonic()
    with pytest.raises(SmsDashError) as info:
        getattr(client, method)()
    return time.monotonic() - started, info.value


def test_a_trickling_answer_becomes_a_timeout_within_the_read_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    calls: list = []
    with hostile.HostileServer({"*": hostile.trickle()}) as server:
        client = client_for(server.url, calls, read_timeout=2.0)
        elapsed, err = failing_call(client)
    print(f"\nMEASURE trickle body: {elapsed:.2f} s, outcome {calls[0].outcome}")
    assert elapsed < 2.0 + 1.5
    assert err.outcome == "timeout" and [c.outcome for c in calls] == ["timeout"]
    assert_key_never_leaves(err, calls, caplog.text)


def test_a_status_line_trickling_byte_by_byte_also_becomes_a_timeout() -> None:
    calls: list = []
    with hostile.HostileServer({"*": hostile.trickle_headers()}) as server:
        client = client_for(server.url, calls, read_timeout=2.0)
        elapsed, err = failing_call(client, "user_info")
    print(f"\nMEASURE trickle headers: {elapsed:.2f} s, outcome {calls[0].outcome}")
    assert elapsed < 2.0 + 1.5
    assert [c.outcome for c in calls] == ["timeout"]
    assert_key_never_leaves(err, calls)


def test_an_endless_answer_stops_at_the_cap_with_bounded_memory() -> None:
    calls: list = []
    with hostile.HostileServer({"*": hostile.endless()}) as server:
        client = client_for(server.url, calls, read_timeout=20.0, max_answer=4 * MB)  # type: ignore[arg-type]
        tracemalloc.start()
        try:
            elapsed, err = failing_call(client)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    print(f"\nMEASURE endless (4 MB cap): {elapsed:.2f} s, peak {peak / MB:.1f} MB traced")
    assert [c.outcome for c in calls] == ["too_large"] and "SMSDASH_MAX_ANSWER_BYTES" in str(err)
    assert peak < 4 * 4 * MB  # the body once, plus working copies; never the stream
    assert elapsed < 10
    assert_key_never_leaves(err, calls)


def test_a_gzip_bomb_is_capped_after_decompression() -> None:
    calls: list = []
    route = hostile.gzip_bomb(256 * MB)
    with hostile.HostileServer({"*": route}) as server:
        client = client_for(server.url, calls, read_timeout=20.0, max_answer=4 * MB)  # type: ignore[arg-type]
        tracemalloc.start()
        try:
            elapsed, err = failing_call(client)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    print(f"\nMEASURE gzip bomb 256 MB (4 MB cap): {elapsed:.2f} s, peak {peak / MB:.1f} MB")
    assert [c.outcome for c in calls] == ["too_large"]
    assert peak < 4 * 4 * MB
    assert_key_never_leaves(err, calls)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_recorded_failure_and_the_key_never_reaches_the_other_host(
    status: int,
) -> None:
    calls: list = []
    other_body = hostile.LIST_LINE
    with (
        hostile.HostileServer({"*": hostile.fixed(other_body)}) as other,
        hostile.HostileServer({"*": hostile.redirect(status, other.url)}) as server,
    ):
        client = client_for(server.url, calls, read_timeout=5.0)
        elapsed, err = failing_call(client)
        assert not other.contacted.wait(0.3)
    assert [(c.outcome, c.http_status) for c in calls] == [("redirect", status)]
    assert elapsed < 5
    assert_key_never_leaves(err, calls)


def _serve_list_and_status(list_body: bytes, status_body: bytes) -> hostile.HostileServer:
    return hostile.HostileServer(
        {
            "RequestList": hostile.fixed(list_body),
            "RequestStatus": hostile.fixed(status_body),
            "GetUserInfo": hostile.fixed(b"100.00|MyShop|high\n"),
        }
    )


BAD_LIST = (
    hostile.LIST_LINE
    + b"10000002|high|0001-01-01 00:00:00|0001-01-01 00:00:00|MyShop|1|2\n"
    + b"10000003|hi\x00gh|2026-03-18 10:00:00||MyShop|1|2\n"
    + "10000004|high|2026-03-18 10:00:00||MyShop|²³¹|2\n".encode()
    + "10000005|high|2026-03-18 10:00:00||MyShop|1|٤\n".encode()
    + "10000006|high|2026-03-18 10:00:00||\u202eMyShop|1|2\n".encode()
    + b"10000007|economy|2026-03-18 11:00:00|2026-03-19 11:00:00|Other|1|2\n"
)
BAD_STATUS = (
    b"420777111220|2|1|2\n"
    + b"420777\x00111221|2|1|2\n"
    + "٤٢٠777111222|2|1|2\n".encode()
    + "420777111223|2|1|\u2067\n".encode()
    + b"420777111224|2|1|1\n"
)


def test_bad_lines_are_recorded_and_skipped_and_the_rest_is_kept(engine: Engine) -> None:
    with _serve_list_and_status(BAD_LIST, BAD_STATUS) as server:
        poller = make_poller(server.url, engine, KEY)
        for _ in range(2):  # a second cycle: nothing crashed, nothing stuck
            summary = poller.cycle()
    assert summary.listed == 2
    with engine.connect() as conn:
        requests_ = set(conn.execute(select(Request.request_id)).scalars())
        rows = conn.execute(
            select(ApiCall.method, ApiCall.outcome, ApiCall.detail).order_by(ApiCall.id)
        ).all()
    assert requests_ == {"10000001", "10000007"}
    listed = [r for r in rows if r.method == "RequestList"]
    assert [r.outcome for r in listed] == ["unparseable", "unparseable"]
    assert "5 line(s) skipped, 2 kept" in (listed[0].detail or "")
    statuses = [r for r in rows if r.method == "RequestStatus"]
    assert statuses and {r.outcome for r in statuses} == {"unparseable"}
    assert all("\x00" not in (r.detail or "") for r in rows)
    with engine.connect() as conn:
        numbers = conn.exec_driver_sql("SELECT DISTINCT number FROM messages").scalars().all()
    assert sorted(numbers) == ["420777111220", "420777111224"]


def test_an_empty_status_for_a_listed_request_is_its_own_outcome(engine: Engine) -> None:
    with _serve_list_and_status(hostile.LIST_LINE, b"") as server:
        poller = make_poller(server.url, engine, KEY)
        for _ in range(3):
            poller.cycle()
    with engine.connect() as conn:
        outcomes = (
            conn.execute(select(ApiCall.outcome).where(ApiCall.method == "RequestStatus"))
            .scalars()
            .all()
        )
    assert outcomes == ["empty"] * 3


def test_plain_http_to_another_host_is_refused_unless_allowed() -> None:
    from collector.errors import ConfigError
    from collector.settings import load

    with pytest.raises(ConfigError, match="SMSDASH_ALLOW_HTTP"):
        load({"api_url": "http://gateway.example/"}, environ={})
    assert load({"api_url": "http://gateway.example/", "allow_http": "1"}, environ={})
    assert load({"api_url": "http://[::1]:8800/"}, environ={}).api_url.startswith("http://[")
    assert load({"api_url": "http://localhost:8800/"}, environ={})


# --- the real command in a subprocess: memory, signals, logs and rows ------------------


def collector(
    tmp_path: Path, url: str, *args: str, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    db = f"sqlite:///{tmp_path / 'smsdash.db'}"
    environment = {
        **os.environ,
        "SMSDASH_API_KEY": KEY,
        "SMSDASH_API_URL": url,
        "SMSDASH_DATABASE_URL": db,
        **env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector", *args, "-v"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return proc, db


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, float, str]:
    """Exit code, the child's peak RSS in MB and its log.

    The peak is the kernel's high-water mark of the child's own address space (VmHWM),
    sampled while it runs: wait4's ru_maxrss would also count the forking test process's
    size at exec time, which grows with every test before this one.
    """
    assert proc.stderr is not None
    stderr = b""
    peak_kb = 0
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stderr.fileno(), False)
    while time.monotonic() < deadline:
        stderr += proc.stderr.read() or b""
        peak_kb = max(peak_kb, high_water_kb(proc.pid))
        pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            stderr += proc.stderr.read() or b""
            proc.returncode = os.waitstatus_to_exitcode(status)
            assert peak_kb, "the child's memory was never sampled"
            return proc.returncode, peak_kb / 1024, stderr.decode("utf-8", "replace")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"collector still running after {timeout} s: {stderr[-2000:]!r}")


def high_water_kb(pid: int) -> int:
    """VmHWM of a running process in kB (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stored_calls(db: str) -> list[tuple[str, str, str | None]]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(select(ApiCall.method, ApiCall.outcome, ApiCall.detail)).all()
        dump = "\n".join(conn.connection.dbapi_connection.iterdump())  # type: ignore[union-attr]
    engine.dispose()
    assert KEY not in dump
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("case", ["endless", "gzip bomb"])
def test_the_collector_process_stays_under_300_mb_against_huge_answers(
    tmp_path: Path, case: str
) -> None:
    route = hostile.endless() if case == "endless" else hostile.gzip_bomb(1 << 30)
    with hostile.HostileServer({"*": route}) as server:
        started = time.monotonic()
        proc, db = collector(tmp_path, server.url, "once", SMSDASH_READ_TIMEOUT="60")
        code, rss, log = finish(proc)
        elapsed = time.monotonic() - started
    calls = stored_calls(db)
    print(f"\nMEASURE process {case}: {elapsed:.2f} s, peak RSS {rss:.0f} MB, exit {code}, {calls}")
    assert code == 1  # every call failed
    assert rss < 300
    assert {(m, o) for m, o, _ in calls} == {
        ("RequestList", "too_large"),
        ("GetUserInfo", "too_large"),
    }
    assert KEY not in log


def test_sigterm_in_the_middle_of_a_trickling_call_stops_the_collector_within_20_s(
    tmp_path: Path,
) -> None:
    with hostile.HostileServer({"*": hostile.trickle()}) as server:
        proc, db = collector(tmp_path, server.url, "run", SMSDASH_READ_TIMEOUT="120")
        assert server.contacted.wait(60), "the collector never called"
        time.sleep(1.0)  # well into the trickle
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code, _rss, log = finish(proc, timeout=30)
        stopped = time.monotonic() - sent
    calls = stored_calls(db)
    print(f"\nMEASURE SIGTERM mid-call: stopped {stopped:.2f} s after the signal, {calls}")
    assert code == 0 and stopped < 20
    assert calls and calls[0][0] == "RequestList" and "stopping" in (calls[0][2] or "")
    assert KEY not in log


def test_a_garbage_status_line_with_a_nul_byte_is_recorded_on_every_database(
    engine: Engine,
) -> None:
    def garbage(h: hostile.Handler) -> None:
        h.wfile.write(b"HTTP/1.1 2\x0000 \xff\xfe OK\r\n\r\n")

    with hostile.HostileServer({"*": garbage}) as server:
        poller = make_poller(server.url, engine, KEY)
        poller.cycle()
        poller.cycle()
    with engine.connect() as conn:
        rows = conn.execute(select(ApiCall.method, ApiCall.outcome, ApiCall.detail)).all()
    assert {(m, o) for m, o, _ in rows} == {
        ("RequestList", "connection"),
        ("GetUserInfo", "connection"),
    }
    assert all("\x00" not in (d or "") for _, _, d in rows)
