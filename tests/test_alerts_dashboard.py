"""The Alerts page and the banner on every page, under Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.migrate import upgrade
from tests.alert_seed import seed_alerts
from tests.conftest import ROOT
from tests.seed import seed

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def alerted_url(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed(engine)
    seed_alerts(engine)
    engine.dispose()
    return sqlite_url


def run(url: str, monkeypatch: pytest.MonkeyPatch, page: str | None, **params: str) -> AppTest:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def test_a_firing_alert_is_announced_on_every_page(
    alerted_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for page in (None, "views/backlog.py", "views/alerts.py"):
        at = run(alerted_url, monkeypatch, page)
        assert not at.exception
        assert any("Firing: API errors" in e.value for e in at.error), page


def test_the_alerts_page_shows_what_fires_its_history_failures_and_rules(
    alerted_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(alerted_url, monkeypatch, "views/alerts.py")
    assert not at.exception
    assert [s.value for s in at.subheader] == [
        "Firing and pending now",
        "History of episodes",
        "Rules",
    ]
    now, failed, history, rules = (d.value for d in at.dataframe)
    assert now.iloc[0].to_dict() | {"Since": "?"} == {
        "Rule": "API errors",
        "Scope": "All",
        "Status": "firing",
        "Since": "?",
        "Value": "30 %",
        "Threshold": "> 20 %",
        "Details": "30 of 100 API calls failed in the last 15 min (30 %, threshold 20 %): "
        "28 server errors (the gateway's side), 2 client errors (check your requests)",
    }
    assert any("1 notifications could not be sent" in w.value for w in at.warning)
    assert len(failed) == 1 and failed["Target"].iloc[0].startswith("mailto://127.0.0.1:9/")
    assert list(history["Rule"]) == ["API errors", "Delivery rate"]
    assert list(history["Scope"]) == ["All", "MyShop"]
    assert history["Resolved"].iloc[0] == "still firing"
    assert list(history["Sent"]) == [1, 4] and list(history["Failed"]) == [1, 0]
    assert history["Details"].iloc[1].startswith("Delivered 71 % of 240 messages")
    assert len(rules) == 6
    shop = rules[rules["Rule"] == "Delivery rate"].iloc[0]
    assert "split_by = sender" in shop["Settings"] and "threshold = 90" in shop["Settings"]


def test_the_alerts_page_in_czech_and_on_a_database_without_alerts(
    sqlite_url: str, alerted_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(alerted_url, monkeypatch, "views/alerts.py", lang="cs")
    assert not at.exception
    assert at.subheader[0].value == "Právě hlásí a čeká"
    assert at.dataframe[0].value["Pravidlo"].iloc[0] == "Chyby API"
    engine = make_engine(sqlite_url.replace("smsdash.db", "quiet.db"))
    upgrade(engine)
    seed(engine)
    engine.dispose()
    quiet = run(sqlite_url.replace("smsdash.db", "quiet.db"), monkeypatch, "views/alerts.py")
    assert not quiet.exception
    assert quiet.success[0].value == "Nothing is firing or pending."
    assert not any("Firing" in e.value for e in quiet.error)
