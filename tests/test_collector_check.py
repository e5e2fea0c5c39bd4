"""``smsdash-collector check`` against the simulator: what a new user sees for each outcome."""

from __future__ import annotations

import re

import pytest

from collector.__main__ import main
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from tests.sim_helpers import send_mix

KEY = "check-Key-5e6f7a8b"


def check(capsys: pytest.CaptureFixture[str], url: str, key: str = KEY) -> tuple[int, str]:
    code = main(["check", "--api-key", key, "--api-url", url])
    return code, capsys.readouterr().out


def test_a_working_account_shows_credit_requests_masked_statuses_and_latency(
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway = Gateway([Account(KEY, credit=1234.5)], scale=100)
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        code, out = check(capsys, server.url)
    assert code == 0, out
    assert "credit 1,2" in out and "default sender" in out and "default gateway" in out
    assert re.search(r"\b12 request\(s\) listed", out)
    for method in ("GetUserInfo", "RequestList", "RequestStatus", "GetPrice"):
        assert re.search(rf"^{method}\s+OK\s+\d+ ms$", out, re.MULTILINE), out
    status_lines = [line for line in out.splitlines() if "receipt" in line]
    assert status_lines and all("•••" in line for line in status_lines)
    assert not re.search(r"\d{9,}", "\n".join(status_lines))  # no number in full
    assert KEY not in out


def test_a_bad_key_names_the_setting_and_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    with SimulatorServer(Gateway([Account(KEY)]), strict=True) as server:
        code, out = check(capsys, server.url, key="not-the-Key-0000")
    assert code == 4
    assert "rejected" in out and "SMSDASH_API_KEY" in out
    assert "not-the-Key-0000" not in out


def test_an_unreachable_url_is_one_line_naming_the_url_and_the_cause(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(capsys, "http://127.0.0.1:9/")
    assert code == 1
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert failed and all(
        "SMSDASH_API_URL=http://127.0.0.1:9/" in line and "Connection refused" in line
        for line in failed
    )
    assert "HTTPConnection" not in out and KEY not in out


def test_an_empty_request_status_is_explained_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway = Gateway([Account(KEY)], scale=100, faults=Faults(empty_status=1.0))
    with SimulatorServer(gateway, strict=True) as server:
        send_mix(gateway, KEY)
        code, out = check(capsys, server.url)
    assert code == 1
    assert re.search(r"^RequestStatus\s+EMPTY", out, re.MULTILINE)
    assert "empty page" in out and "requestID" in out
