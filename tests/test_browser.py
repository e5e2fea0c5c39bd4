"""End to end in a real browser: the dashboard served by Streamlit, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import ROOT
from tests.seed import in_range, seed

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    path = os.environ.get("SMSDASH_TEST_BROWSER") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("browser") / "smsdash.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed(engine)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "SMSDASH_DATABASE_URL": f"sqlite:///{path}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                break
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: not up yet
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(
            "the dashboard did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
        )
    yield base
    proc.terminate()
    proc.wait(timeout=20)


PAGES = [
    ("", "Overview", ["Messages", "Request states", "Delivery receipts"], 3),
    ("backlog", "Backlog", ["Stuck messages", "Time to sent and to final receipt"], 3),
    ("errors", "Errors", ["Failures by code", "Client errors"], 1),
    ("messages", "Messages", ["Download CSV"], 0),
    ("health", "Collector health", ["Credit runway", "Latency"], 2),
]


@pytest.mark.parametrize(("path", "title", "texts", "charts"), PAGES)
def test_each_page_renders_its_charts_and_figures_in_chromium(
    dashboard: str, path: str, title: str, texts: list[str], charts: int
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{dashboard}/{path}?range=24h")
        heading = page.get_by_role("heading", name=title, exact=True)
        expect(heading).to_be_visible(timeout=30_000)
        for text in texts:
            expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=60_000)
        if charts:
            chart = page.locator(".js-plotly-plot").nth(charts - 1)
            expect(chart).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        if not path:
            truth = Counter(m.outcome for m in in_range())
            tile = page.get_by_test_id("stMetric").filter(has_text="Messages").first
            expect(tile).to_contain_text(str(sum(truth.values())))
        browser.close()


def test_the_csv_download_holds_exactly_the_messages_in_range(dashboard: str) -> None:
    import csv

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
        page.goto(f"{dashboard}/messages?range=24h&numbers=full")
        link = page.get_by_role("button", name="Download CSV")
        expect(link).to_be_enabled(timeout=30_000)
        with page.expect_download(timeout=30_000) as info:
            link.click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        browser.close()
    header, *rows = list(csv.reader(text.splitlines()))
    assert header[:8] == [
        "account",
        "request_id",
        "number",
        "sender",
        "gateway",
        "request_state",
        "receipt_state",
        "expected_receipts",
    ]
    got = sorted(tuple(r[:7]) for r in rows)
    want = sorted(
        (
            m.account,
            m.request_id,
            m.number,
            m.sender,
            m.gateway,
            str(m.request_state),
            str(m.receipt),
        )
        for m in in_range()
    )
    assert got == want
