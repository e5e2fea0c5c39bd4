"""Every dashboard page under Streamlit's AppTest, on empty and seeded databases."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.controls import View
from db.engine import make_engine
from db.migrate import upgrade
from db.read.filters import Filters, sliding_start
from tests.conftest import ROOT
from tests.seed import CALLS, in_range, seed

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["views/backlog.py", "views/errors.py", "views/messages.py", "views/health.py"]


def app(url: str, monkeypatch: pytest.MonkeyPatch, timeout: float = 60, **params: str) -> AppTest:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def seeded_url(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return sqlite_url


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("migrated", [False, True])
def test_an_empty_database_shows_how_to_start_not_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    if migrated:
        upgrade(make_engine(url))
    at = app(url, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "No data yet"
    assert "smsdash-collector run" in at.info[0].value
    cs = app(url, monkeypatch, lang="cs")
    assert cs.title[0].value == "Zatím žádná data"


def test_the_overview_kpis_equal_the_seeded_truth(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    assert not at.exception
    truth = Counter(m.outcome for m in in_range())
    total = sum(truth.values())
    shown = metrics(at)
    assert shown["Messages"] == f"{total:,}"
    assert shown["Delivered"] == f"{truth['delivered'] / total:.1%}"
    assert shown["Finally failed"] == f"{truth['failed'] / total:.1%}"
    assert shown["Not final yet"] == str(truth["pending"])
    assert shown["Given up (no final receipt)"] == str(truth["gave_up"])
    errors = sum(c.count for c in CALLS if c.outcome != "ok")
    assert shown["API error rate"] == f"{errors / sum(c.count for c in CALLS):.1%}"
    assert [s.value for s in at.subheader] == [
        "Request states",
        "Delivery receipts",
        "Delivery outcome over time",
    ]


def test_a_sender_filter_and_the_czech_switch_change_the_figures(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch, sender="MyShop", lang="cs")
    assert not at.exception
    shown = metrics(at)
    assert shown["Zprávy"] == str(len(in_range(sender="MyShop")))
    assert at.subheader[0].value == "Stavy požadavků"
    at.selectbox(key="sender").set_value("Bank").run()
    assert metrics(at)["Zprávy"] == str(len(in_range(sender="Bank")))
    assert at.query_params["sender"] == "Bank"
    at.radio(key="lang").set_value("en").run()
    assert metrics(at)["Messages"] == str(len(in_range(sender="Bank")))


def test_a_link_with_query_parameters_restores_the_view(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(
        seeded_url,
        monkeypatch,
        range="7d",
        account="other",
        numbers="full",
        refresh="60",
        tz="Europe/Prague",
    )
    assert not at.exception
    assert at.selectbox(key="range").value == "7d"
    assert at.selectbox(key="account").value == "other"
    assert at.toggle(key="numbers").value is True
    assert at.selectbox(key="refresh").value == "60"
    assert at.text_input(key="tz").value == "Europe/Prague"
    assert metrics(at)["Messages"] == str(len(in_range(account="other")))


@pytest.mark.parametrize(
    "now,midnight",
    [
        # the weeks after Prague's clocks go back and forward: a fixed offset gave 01:00, 23:00
        (datetime(2026, 10, 28, 9, 0, tzinfo=UTC), "2026-10-21 00:00"),
        (datetime(2027, 3, 30, 8, 0, tzinfo=UTC), "2027-03-23 00:00"),
    ],
)
def test_a_preset_range_starts_at_a_whole_bucket_and_says_so(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, now: datetime, midnight: str
) -> None:
    monkeypatch.setattr("dashboard.controls.rounded_now", lambda: now)
    at = app(seeded_url, monkeypatch, range="7d", tz="Europe/Prague")
    assert f"From {midnight} until now" in [c.value for c in at.sidebar.caption]


def test_the_previous_period_appears_as_the_change(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    messages = next(m for m in at.metric if m.label == "Messages")
    older = 2  # the seed's two messages from 30 h ago
    assert messages.proto.delta == f"{len(in_range()) - older:+,}"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "cs"])
def test_every_page_renders_without_an_exception(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, page: str, lang: str
) -> None:
    at = app(seeded_url, monkeypatch, lang=lang)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.header, "every page has a heading"


def test_the_backlog_page_lists_the_stuck_messages_masked(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/backlog.py").run()
    at.number_input(key="stuck_minutes").set_value(60).run()
    table = at.dataframe[0].value
    pending_old = [m for m in in_range() if m.outcome == "pending" and m.minutes_ago > 60]
    assert len(table) == len(pending_old)
    assert table["Number"].iloc[0] == "420 601 ••• 203"
    at.number_input(key="stuck_minutes").set_value(0).run()
    assert len(at.dataframe[0].value) == sum(m.outcome == "pending" for m in in_range())


def test_the_errors_page_separates_client_and_server_errors(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/errors.py").run()
    client, server = (d.value for d in list(at.dataframe)[-2:])
    assert list(client["Code"]) == ["103"]
    assert sum(int(v) for v in client["Calls"]) == 2
    assert sum(int(v) for v in server["Calls"]) == sum(
        c.count for c in CALLS if c.outcome not in ("ok", "client_error")
    )
    assert set(server["Retryable"]) == {"yes"} and set(client["Retryable"]) == {"no"}


def test_the_messages_page_pages_through_and_filters(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch, numbers="full")
    at.switch_page("views/messages.py").run()
    assert not at.exception
    numbers = set(at.dataframe[0].value["Number"])
    assert numbers == {m.number for m in in_range()}
    at.selectbox(key="m_finality").set_value("not_final").run()
    assert set(at.dataframe[0].value["Number"]) == {
        m.number for m in in_range() if m.outcome == "pending"
    }


def test_the_health_page_shows_credit_and_runway(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        last_ok = conn.exec_driver_sql("SELECT max(started_at) FROM api_calls WHERE outcome = 'ok'")
        now = datetime.fromtimestamp(last_ok.scalar_one() + 20 * 60 + 5, UTC)
    engine.dispose()
    monkeypatch.setattr("dashboard.controls.rounded_now", lambda: now)
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/health.py").run()
    shown = metrics(at)
    assert shown["Credit (CZK)"] == "980.00\xa0CZK"
    assert shown["Credit runway"] == "18 d 9 h"  # 980 CZK at 20 CZK per 9 h
    assert shown["Last successful call"] == "20 min ago"
    warnings = [w.value for w in at.warning]
    assert warnings[0].startswith("Last delivery 29 min ago")  # the status line, amber
    assert warnings[1:] == [
        "The collector has made no successful call for 20 min: figures may be out of date. "
        "Is it running, and can it reach SmsManager?"
    ]


def test_the_csv_download_gives_way_to_a_note_past_the_row_limit(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/messages.py").run()
    assert not any("Over" in c.value for c in at.caption)
    monkeypatch.setenv("SMSDASH_CSV_LIMIT", "5")
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/messages.py").run()
    assert any(c.value.startswith("Over 5 rows") for c in at.caption)


def test_a_rejected_api_key_is_shown_on_every_page(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from db.records import ApiCallRecord, Observations
    from db.write import record

    engine = make_engine(sqlite_url)
    upgrade(engine)
    now = datetime.now(UTC)
    ok = ApiCallRecord("RequestList", now - timedelta(minutes=5), 20.0, "ok", 200)
    record(engine, Observations("acme", now, api_calls=[ok]))
    assert not app(sqlite_url, monkeypatch).error
    rejected = ApiCallRecord(
        "RequestList",
        now - timedelta(minutes=1),
        20.0,
        "client_error",
        401,
        103,
        "HTTP 401, SmsManager error 103",
    )
    record(engine, Observations("acme", now, api_calls=[rejected]))
    st.cache_data.clear()  # the figures are cached for 10 s; a new visitor would wait that long
    at = app(sqlite_url, monkeypatch)
    for page in [None, *PAGES]:
        if page:
            at.switch_page(page).run()
        assert any("error 103" in e.value for e in at.error)


def test_an_auto_refresh_moves_a_preset_range_and_keeps_it_on_whole_buckets() -> None:
    tz = ZoneInfo("Europe/Prague")
    then = datetime(2026, 11, 20, 14, 17, 10, tzinfo=UTC)
    span = timedelta(hours=24)
    view = View(Filters(sliding_start(then, span, 3600), then), "en", False, 15, tz, then, span)
    moved = view.refreshed(then + timedelta(seconds=10))
    assert moved.now > then and moved.filters.end == moved.now
    assert moved.filters.start == sliding_start(moved.now, span, 3600)
    assert int(moved.filters.start.timestamp()) % 3600 == 0
    custom = replace(view, span=None)
    assert custom.refreshed() is custom  # a custom range stays put


def test_a_range_without_messages_says_so_on_every_page_and_raises_nothing(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch, range="custom", **{"from": "2020-01-01", "to": "2020-01-02"})
    assert not at.exception
    assert any("No message was first seen in this range" in i.value for i in at.info)
    shown = metrics(at)
    assert shown["Messages"] == "0" and shown["Delivered"] == "—"
    assert all(not m.delta for m in at.metric), "an unchanged figure has no arrow"
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page


def test_page_filters_live_in_the_url_and_a_link_restores_them(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch)
    at.switch_page("views/messages.py").run()
    at.text_input(key="m_number").input("000302").run()
    at.selectbox(key="m_finality").select("not_final").run()
    assert at.query_params["number"] == "000302"
    assert at.query_params["finality"] == "not_final"
    assert len(at.dataframe[0].value) == 1
    link = app(seeded_url, monkeypatch, number="000302", stuck="45")
    link.switch_page("views/messages.py").run()
    assert link.text_input(key="m_number").value == "000302"
    link.switch_page("views/backlog.py").run()
    assert link.number_input(key="stuck_minutes").value == 45


def test_the_status_line_is_on_every_page_in_czech_with_czech_plurals(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(seeded_url, monkeypatch, lang="cs")
    for page in [None, *PAGES]:
        if page:
            at.switch_page(page).run()
        line = at.warning[0].value.replace("\xa0", " ")
        assert "3 zprávy bez výsledku, nejstarší 2 h" in line, line
        assert "kredit 980,00 Kč vydrží asi 18 d 9 h" in line, line


LATE = {
    "en": ("Late messages", "Usually final within", "30 min (fixed threshold)", "× 4.0"),
    "cs": ("Zprávy po termínu", "Obvykle hotovo do", "30 min (pevný práh)", "× 4,0"),
}


@pytest.mark.parametrize("lang", ["en", "cs"])
def test_the_backlog_page_lists_messages_late_for_their_kind_and_counts_them(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    kpi, basis, fixed, ratio = LATE[lang]
    at = app(seeded_url, monkeypatch, lang=lang)
    at.switch_page("views/backlog.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # No kind has 50 final messages, so the fixed 30 min apply; requests are created 20 s
    # before they are first seen. A day earlier only request 0901 existed, final by then.
    late = [m for m in in_range() if m.outcome == "pending" and m.minutes_ago * 60 + 20 > 1800]
    tile = next(m for m in at.metric if m.label == kpi)
    assert tile.value == str(len(late)) and tile.proto.delta == f"+{len(late)}"
    table = next(d.value for d in at.dataframe if basis in d.value.columns)
    assert len(table) == len(late) and set(table[basis]) == {fixed}
    # the oldest for its kind first: request 1002, 2 h old against 30 min, number masked
    assert table.iloc[0, 1] == "420 601 ••• 203" and table.iloc[0, -1] == ratio
    at.number_input(key="late_minutes").set_value(150).run()
    assert next(m for m in at.metric if m.label == kpi).value == "0"
