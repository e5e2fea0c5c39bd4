"""README promises of the dashboard under AppTest: custom days, paging, timeline, labels, no API."""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
import requests
from streamlit.testing.v1 import AppTest

from dashboard import controls
from dashboard.controls import NOW_STEP, PRESETS
from dashboard.i18n import LABELS
from db.engine import make_engine
from db.migrate import upgrade
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record
from tests.conftest import ROOT
from tests.seed import MESSAGES, seed
from tests.test_dashboard_app import PAGES, app, metrics

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def seeded(sqlite_url: str) -> tuple[str, datetime]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    now = seed(engine)
    engine.dispose()
    return sqlite_url, now


def test_a_custom_range_counts_the_messages_of_those_whole_local_days(
    seeded: tuple[str, datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, now = seeded
    first_seen = {
        m.number: (now - timedelta(minutes=m.minutes_ago)).astimezone(TOKYO).date()
        for m in MESSAGES
    }
    older = (now - timedelta(hours=30)).astimezone(TOKYO).date()
    today = now.astimezone(TOKYO).date()
    one_day = sum(day == older for day in first_seen.values())
    at = app(
        url, monkeypatch, range="custom", tz="Asia/Tokyo", **{"from": str(older)}, to=str(older)
    )
    assert not at.exception
    assert at.date_input(key="from").value == older == at.date_input(key="to").value
    assert metrics(at)["Messages"] == str(one_day)
    at = app(
        url, monkeypatch, range="custom", tz="Asia/Tokyo", **{"from": str(older)}, to=str(today)
    )
    assert metrics(at)["Messages"] == str(len(MESSAGES))
    # nothing in the same number of whole days before: the change is all of them
    messages = next(m for m in at.metric if m.label == "Messages")
    assert messages.proto.delta == f"+{len(MESSAGES)}"
    assert at.query_params["from"] == str(older) and at.query_params["to"] == str(today)


@pytest.fixture
def many_url(sqlite_url: str) -> str:
    """120 messages in the last hours: three requests of 40 numbers."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(3):
        rid, at = f"77{i}", now - timedelta(minutes=30 * (i + 1))
        listed = RequestRecord(rid, "high", at, None, "MyShop", None, 1)
        numbers = [NumberRecord(f"4207770{i}{n:04d}", 1, 1, 0) for n in range(40)]
        record(engine, Observations("acme", at, listed=[listed], statuses={rid: numbers}))
    engine.dispose()
    return sqlite_url


def shown_numbers(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Number"])


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def test_the_messages_page_goes_to_the_next_page_and_back_to_the_first(
    many_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The preset range follows the clock: every run of the page sees it a step later, as a
    # reader on a slow dashboard would, and the page must not fall back to page 1.
    start = datetime.now(UTC)
    ticks = iter(range(10_000))
    monkeypatch.setattr(
        controls, "rounded_now", lambda: start + next(ticks) * timedelta(seconds=NOW_STEP)
    )
    at = app(many_url, monkeypatch, numbers="full")
    at.switch_page("views/messages.py").run()
    pages = [shown_numbers(at)]
    assert button(at, "First page").disabled
    while not button(at, "Next page").disabled and len(pages) < 5:
        button(at, "Next page").click().run()
        pages.append(shown_numbers(at))
    assert [len(p) for p in pages] == [50, 50, 20]
    everything = [n for page in pages for n in page]
    expected = [f"4207770{i}{n:04d}" for i in range(3) for n in reversed(range(40))]
    assert everything == expected  # newest request first, then by number, no row twice
    assert at.caption[0].value == "Page 3 · 120 messages"
    button(at, "First page").click().run()
    assert shown_numbers(at) == pages[0]


def test_the_messages_page_starts_again_at_page_one_when_another_preset_range_is_picked(
    many_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the range's ends differ between the two queries, and the new end is not earlier:
    # what a range rolling on with the clock looks like, but a shorter range is a new listing
    # (page 3's key lies before its start: the page would be empty).
    at = app(many_url, monkeypatch, numbers="full")
    at.switch_page("views/messages.py").run()
    button(at, "Next page").click().run()
    button(at, "Next page").click().run()
    assert at.caption[0].value == "Page 3 · 120 messages"
    at.selectbox(key="range").set_value("1h").run()
    assert at.caption[0].value.startswith("Page 1 · ")
    newest = [f"42077700{n:04d}" for n in reversed(range(40))]
    assert shown_numbers(at)[:40] == newest


def test_the_messages_page_starts_again_at_page_one_when_a_filter_changes(
    many_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(many_url, monkeypatch, numbers="full")
    at.switch_page("views/messages.py").run()
    button(at, "Next page").click().run()
    assert at.caption[0].value == "Page 2 · 120 messages"
    at.text_input(key="m_request").set_value("771").run()
    assert at.caption[0].value == "Page 1 · 40 messages"
    assert shown_numbers(at) == [f"42077701{n:04d}" for n in reversed(range(40))]


def test_selecting_a_message_shows_its_timeline_of_state_changes(
    seeded: tuple[str, datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _now = seeded
    at = app(url, monkeypatch, numbers="full")
    at.switch_page("views/messages.py").run()
    assert len(at.dataframe) == 1
    newest = at.dataframe[0].value.iloc[0]
    assert (newest["Request"], newest["Number"]) == ("1003", "420777000303")
    at.session_state["m_table_1"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown if "Timeline" in m.value] == ["**Timeline**"]
    assert "1003 · 420777000303" in [x.value for x in at.text]
    table = at.dataframe[1].value
    changes = [
        f"{what}: {old} → {new}"
        for what, old, new in zip(table["What"], table["From"], table["To"], strict=True)
    ]
    assert changes == [
        "request as a whole: first seen → 2 · sent",
        "request state of this number: first seen → 2 · sent",
        "receipt: first seen → 0 · no receipt",
        "receipt: 0 · no receipt → 2 · delivered",
    ]


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_label_is_there_in_english_and_czech_with_the_same_placeholders() -> None:
    for key, (en, cs) in LABELS.items():
        assert en.strip() and cs.strip(), key
        assert fields(en) == fields(cs), key
    used: set[str] = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text()))
    assert len(used) > 50, "the pattern finds the labels in use"
    used |= {"measure_sent", "measure_final"}  # t(f"measure_{m}") for both measures
    used |= {*PRESETS, "custom", "off", "overview", "backlog", "errors", "messages", "health"}
    assert used - set(LABELS) == set(), "labels used but missing from the table"


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self._record()

    def do_POST(self) -> None:
        self._record()

    def _record(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def api_listener() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("lang", ["en", "cs"])
def test_no_page_ever_calls_the_api(
    seeded: tuple[str, datetime],
    monkeypatch: pytest.MonkeyPatch,
    api_listener: tuple[str, list[str]],
    lang: str,
) -> None:
    url, _now = seeded
    api_url, seen = api_listener
    requests.get(api_url + "probe", timeout=5)
    assert seen == ["GET /probe"], "the listener records what reaches it"
    seen.clear()
    monkeypatch.setenv("SMSDASH_API_URL", api_url)
    monkeypatch.setenv("SMSDASH_API_KEY", "a-key-the-dashboard-must-not-use")
    at = app(url, monkeypatch, lang=lang, range="7d")
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception
    at.switch_page("views/messages.py").run()
    at.session_state["m_table_1"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert seen == []
