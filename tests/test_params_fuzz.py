"""Every query parameter, given nonsense, huge or hostile values: every page still renders."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import params
from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import ROOT
from tests.seed import seed

APP = str(ROOT / "dashboard" / "app.py")
PAGES = [None, "views/backlog.py", "views/errors.py", "views/messages.py", "views/health.py"]
NAMES = ["lang", "range", "tz", "from", "to", "account", "sender", "gateway", "numbers"]
NAMES += ["refresh", "page", "m_state", "stuck_minutes"]
HOSTILE = [
    "",
    " ",
    "Europe",
    "Europe/",
    "../../../../etc/passwd",
    "/usr/share/zoneinfo/UTC",
    "x" * 20_000,
    "<script>alert(1)</script>",
    "![x](http://127.0.0.1:9/x.png)",
    "' OR 1=1; DROP TABLE messages; --",
    "\u202eevil\u202c",
    "\x00",
    "%00",
    "-1",
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "+275760-09-13",
    "custom",
    "full",
]


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'smsdash.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return url


def run(url: str, monkeypatch: pytest.MonkeyPatch, to_page: str | None, **query: str) -> AppTest:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if to_page:
        at.switch_page(to_page).run()
    return at


@pytest.mark.parametrize("name", NAMES)
def test_every_hostile_value_of_a_parameter_falls_back_without_an_exception(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    extra = {"range": "custom"} if name in ("from", "to") else {}
    for value in HOSTILE:
        at = run(seeded_url, monkeypatch, None, **{**extra, name: value})
        assert not at.exception, (name, value[:40], [e.value for e in at.exception])
        assert at.header or at.title, (name, value[:40])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_every_parameter_hostile_at_once(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, page: str | None
) -> None:
    for value in HOSTILE:
        query = dict.fromkeys(NAMES, value)
        at = run(seeded_url, monkeypatch, page, **query)
        assert not at.exception, (page, value[:40], [e.value for e in at.exception])
        assert at.header, (page, value[:40])
    for first, last in (("9999-12-31", "0001-01-01"), ("1970-01-01", "2100-01-01")):
        at = run(seeded_url, monkeypatch, page, range="custom", **{"from": first, "to": last})
        assert not at.exception, (page, first, last, [e.value for e in at.exception])


def test_an_invalid_time_zone_falls_back_to_utc_with_a_note(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(seeded_url, monkeypatch, None, tz="Europe")
    assert at.text_input(key="tz").value == "UTC"
    notes = [w.value for w in at.sidebar.warning]
    assert any("tz" in n and "not a time zone" in n for n in notes), notes
    assert at.query_params["tz"] == "UTC"
    at.text_input(key="tz").set_value("Asia").run()
    assert not at.exception
    assert any("not a time zone" in w.value for w in at.sidebar.warning)


def test_a_custom_range_is_clamped_to_a_sane_span_with_a_note(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(
        seeded_url, monkeypatch, None, range="custom", **{"from": "0001-01-01", "to": "9999-12-31"}
    )
    assert not at.exception
    first, last = (date.fromisoformat(at.query_params[k]) for k in ("from", "to"))
    assert last == date.today() or (date.today() - last).days <= 1
    assert (last - first).days == params.MAX_SPAN_DAYS - 1
    assert len(at.sidebar.warning) >= 2


def test_an_unknown_sender_is_dropped_with_a_note(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(seeded_url, monkeypatch, None, sender="<b>NoSuchSender</b>")
    assert at.selectbox(key="sender").value == ""
    assert any("sender" in w.value for w in at.sidebar.warning)
    assert "sender" not in at.query_params
