"""A gateway whose RequestStatus keeps answering an empty page is noticed and explained."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.migrate import upgrade
from db.read import errors, health
from tests import hostile
from tests.conftest import ROOT
from tests.sim_helpers import make_poller

KEY = "empty-status-Key-4b8a"
PAGES = ["views/backlog.py", "views/errors.py", "views/messages.py", "views/health.py"]


def collect_empty_answers(url: str, cycles: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    routes = {
        "RequestList": hostile.fixed(hostile.LIST_LINE),
        "RequestStatus": hostile.fixed(b""),
        "GetUserInfo": hostile.fixed(b"100.00|MyShop|high\n"),
    }
    with hostile.HostileServer(routes) as server:
        poller = make_poller(server.url, engine, KEY, poll_interval=0.01)
        for _ in range(cycles):
            poller.cycle()
    engine.dispose()


def page_texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("warning", "caption", "error", "info", "markdown")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_repeated_empty_status_pages_are_counted_for_the_health_page(sqlite_url: str) -> None:
    collect_empty_answers(sqlite_url, 4)
    last = health.last_calls(make_engine(sqlite_url))
    assert (last.status_empty, last.status_answered) == (4, 4)
    assert last.last_error_outcome == "empty"
    assert "empty" in errors.FAILURES and errors.failure_label("empty", 200, None) == (
        "empty RequestStatus"
    )


@pytest.mark.parametrize(("lang", "phrase"), [("en", "empty page"), ("cs", "prázdnou stránkou")])
def test_the_health_page_says_what_an_empty_status_means_and_what_to_check(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, lang: str, phrase: str
) -> None:
    collect_empty_answers(sqlite_url, 3)
    monkeypatch.setenv("SMSDASH_DATABASE_URL", sqlite_url)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("views/health.py").run()
    assert not at.exception
    warnings = [w.value for w in at.warning if phrase in w.value]
    assert warnings and "smsdash-collector check" in warnings[0]
    assert "SMSDASH_API_URL" in warnings[0]
    for page in PAGES:  # the key is nowhere on any page
        at.switch_page(page).run()
        assert KEY not in page_texts(at)


def test_a_single_empty_page_is_not_an_alarm(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    collect_empty_answers(sqlite_url, 1)
    monkeypatch.setenv("SMSDASH_DATABASE_URL", sqlite_url)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page("views/health.py").run()
    assert not any("empty page" in w.value for w in at.warning)
