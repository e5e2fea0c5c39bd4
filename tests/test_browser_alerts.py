"""The Alerts page in Debian's Chromium: a firing alert, its history, and the banner elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from db.engine import make_engine
from db.migrate import upgrade
from tests.alert_seed import seed_alerts
from tests.conftest import ROOT
from tests.seed import seed
from tests.test_browser import ARTIFACTS, CHROMIUM_FLAGS, SCREENSHOT, chromium, free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("browser-alerts") / "smsdash.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed(engine)
    seed_alerts(engine)
    engine.dispose()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ],
        env={**os.environ, "SMSDASH_DATABASE_URL": f"sqlite:///{path}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_the_alerts_page_shows_a_firing_alert_and_its_history_in_chromium(dashboard: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{dashboard}/alerts")
        expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible(timeout=30_000)
        for text in ("Firing and pending now", "History of episodes", "Rules"):
            expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=15_000)
        expect(page.get_by_text("Firing: API errors", exact=False).first).to_be_visible()
        expect(page.get_by_text("1 notifications could not be sent", exact=False)).to_be_visible()
        # Tables are drawn on a canvas; their cells are mirrored for screen readers.
        grids = page.locator("[data-testid='stDataFrame']")
        expect(grids).to_have_count(4, timeout=15_000)
        expect(grids.nth(0)).to_contain_text("API errors", timeout=15_000)
        expect(grids.nth(0)).to_contain_text("> 20 %")
        expect(grids.nth(2)).to_contain_text("Delivery rate")
        expect(grids.nth(2)).to_contain_text("still firing")
        expect(grids.nth(2)).to_contain_text("MyShop")
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "page-alerts.png"), full_page=True, timeout=SCREENSHOT)
        assert page.locator("[data-testid='stException']").count() == 0

        page.goto(f"{dashboard}/backlog?range=24h")
        expect(page.get_by_role("heading", name="Backlog", exact=True)).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_text("Firing: API errors", exact=False).first).to_be_visible()
        browser.close()
