"""Hostile text in every text column: every page renders in Chromium, nothing runs or loads."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import upgrade
from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record
from tests.served import browser, streamlit
from tests.test_browser import ARTIFACTS, SCREENSHOT

pytestmark = pytest.mark.browser
PAGES = [
    ("", "Overview"),
    ("backlog", "Backlog"),
    ("errors", "Errors"),
    ("messages", "Messages"),
    ("health", "Collector health"),
    ("insights", "Insights"),
]


def hostile(port: int) -> list[str]:
    """Markup of every kind the dashboard could be tricked into rendering."""
    at = f"http://127.0.0.1:{port}"
    return [
        f'<img src="{at}/html.png" onerror="window.__pwned=1">',
        "<script>window.__pwned=1</script>",
        f"![x]({at}/markdown.png)",
        f"[click](javascript:window.__pwned=1) <{at}/autolink>",
        "\u202eevil\u202c \u2066bidi\u2069 \u200bzero",
        "x" * 10_000 + f"![x]({at}/long.png)",
        f'<a href="{at}/a">a</a> <b>bold</b> &lt;b&gt; %{{y}} <br> :red[colour] $x^2$',
        f'<iframe src="{at}/frame"></iframe><svg onload="window.__pwned=1">',
    ]


class Listener(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Listener.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def listener() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def seed_hostile(url: str, port: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    strings = hostile(port)
    for i, bad in enumerate(strings):
        at = now - timedelta(minutes=90 - i)
        account = bad if i == 0 else "acme"
        listed = RequestRecord(bad, bad, at - timedelta(seconds=20), None, bad, None, 2)
        numbers = [NumberRecord(bad, 2, 1, 1), NumberRecord(f"42077700{i:04d}", 2, 1, 2)]
        record(engine, Observations(account, at, listed=[listed], statuses={bad: numbers}))
        calls = [
            ApiCallRecord(bad, at, 10.0 + i, "ok", 200, None, None, bad),
            ApiCallRecord(bad, at, 20.0 + i, "unparseable", 200, None, bad, bad),
            ApiCallRecord("RequestStatus", at, 30.0, "client_error", 200, 102, bad, bad),
        ]
        record(engine, Observations(account, at, api_calls=calls, credit=100.0 - i))
    with engine.begin() as conn:
        # The code tables too: the dashboard takes meanings from code, but a tampered
        # table must not matter either.
        for table in ("request_state_codes", "receipt_codes", "error_codes"):
            conn.execute(
                text(f"UPDATE {table} SET meaning_en = :bad, meaning_cs = :bad"),
                {"bad": strings[0]},
            )
    engine.dispose()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, listener: int) -> Iterator[str]:
    path = tmp_path_factory.mktemp("hostile") / "smsdash.db"
    seed_hostile(f"sqlite:///{path}", listener)
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"SMSDASH_DATABASE_URL": f"sqlite:///{path}"}
    with streamlit(env, log=ARTIFACTS / "hostile-streamlit.log") as base:
        yield base


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_hostile_text_renders_as_text_and_nothing_runs_or_loads(
    dashboard: str, listener: int, path: str, title: str
) -> None:
    from playwright.sync_api import expect

    Listener.hits.clear()
    with browser() as (context, refused):
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{dashboard}/{path}?range=24h&numbers=full")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=60_000)
        figures = page.get_by_test_id("stMetric").or_(page.get_by_test_id("stDataFrame"))
        expect(figures.first).to_be_visible(timeout=60_000)
        # Let every chart and table finish drawing (and any image try to load).
        page.wait_for_load_state("networkidle", timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(
            path=str(ARTIFACTS / f"hostile-{path or 'overview'}.png"),
            full_page=True,
            timeout=SCREENSHOT,
        )
        assert page.locator("[data-testid='stException']").count() == 0
        # The checked-in config: no "Deploy" button or developer menu for visitors.
        assert page.get_by_role("button", name="Deploy").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert not dialogs
        # No element made from stored text: no images, frames or links to the listener.
        markup = page.locator(
            f"img[src*='{listener}'], iframe, a[href*='{listener}'], a[href^='javascript']"
        )
        assert markup.count() == 0
        assert not refused
    assert Listener.hits == []


def test_the_last_gateway_error_is_shown_as_plain_text(dashboard: str, listener: int) -> None:
    from playwright.sync_api import expect

    with browser() as (context, _refused):
        page = context.new_page()
        page.goto(f"{dashboard}/health?range=24h")
        line = page.get_by_text("Last error:", exact=False).first
        expect(line).to_be_visible(timeout=60_000)
        # The raw characters are on the page as text, not turned into an element.
        expect(line).to_contain_text('<iframe src="http://127.0.0.1:')
    assert Listener.hits == []


def test_the_server_log_says_the_dashboard_listens_on_loopback_only(dashboard: str) -> None:
    from playwright.sync_api import expect

    from tests.served import wait_for

    with browser() as (context, _refused):
        page = context.new_page()
        page.goto(dashboard)
        expect(page.get_by_text("No login configured").first).to_be_visible(timeout=60_000)
    log = ARTIFACTS / "hostile-streamlit.log"
    line = "no login configured, so it listens on 127.0.0.1 only"
    assert wait_for(lambda: line in log.read_text(errors="replace"), 30)
    assert "Uvicorn server started on 127.0.0.1:" in log.read_text(errors="replace")
