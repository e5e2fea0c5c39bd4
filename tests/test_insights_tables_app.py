"""The Insights page's tables write counts and shares the way the page's language does,
under Streamlit's AppTest on a database with over a thousand messages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.i18n import t
from db.engine import make_engine
from db.migrate import upgrade
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record
from tests.test_dashboard_app import app

NBSP = "\xa0"
KEYS = (
    *("ins_sent", "ins_covered", "ins_coverage", "ins_outcome", "ins_now", "ins_before"),
    *("ins_share_now", "ins_share_before", "ins_change", "ins_country", "messages"),
    *("ins_failed", "ins_delivered_share"),
)


def send(url: str, rid: str, at: datetime, delivered: int, failed: int) -> None:
    """One request to Czech numbers, every one final (receipt 2 or 3) at its first poll."""
    engine = make_engine(url)
    listed = RequestRecord(rid, "high", at - timedelta(seconds=5), None, "MyShop", None, 2)
    receipts = [2] * delivered + [3] * failed
    numbers = [NumberRecord(f"420777{i:06d}", 2, 1, r) for i, r in enumerate(receipts)]
    record(engine, Observations("acme", at, listed=[listed], statuses={rid: numbers}))
    engine.dispose()


def test_the_insights_tables_write_counts_and_shares_the_czech_way(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(make_engine(db_url))
    now = datetime.now(UTC)
    send(db_url, "now", now - timedelta(hours=2), delivered=3031, failed=100)
    send(db_url, "before", now - timedelta(days=7, hours=2), delivered=1000, failed=30)
    at = app(db_url, monkeypatch, timeout=90, lang="cs", range="24h")
    at.switch_page("views/insights.py").run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [d.value for d in at.dataframe]

    def rows(key: str) -> list[dict[str, str]]:
        """The rows of the table with the column ``key``, each cell by its key, as shown."""
        found = next(f for f in frames if t(key, "cs") in f.columns)
        keys = {t(k, "cs"): k for k in KEYS}
        return [{keys.get(c, c): str(v) for c, v in r.items()} for r in found.to_dict("records")]

    coverage = rows("ins_covered")[0]
    assert coverage["ins_sent"] == coverage["ins_covered"] == f"3{NBSP}131", coverage
    assert coverage["ins_coverage"] == f"100,0{NBSP}%", coverage
    delivered = next(r for r in rows("ins_change") if r["ins_outcome"].startswith("2 · "))
    assert delivered["ins_now"] == f"3{NBSP}031", delivered
    assert delivered["ins_before"] == f"1{NBSP}000", delivered
    assert delivered["ins_share_now"] == f"96,8{NBSP}%", delivered
    assert delivered["ins_share_before"] == f"97,1{NBSP}%", delivered
    assert delivered["ins_change"] == "-0,3 p. b.", delivered
    assert re.fullmatch(r"0,\d+|< 0,001", delivered["p"]), delivered  # never "0.034"
    country = rows("ins_country")[0]
    assert country["messages"] == f"3{NBSP}131" and country["ins_failed"] == "100", country
    assert country["ins_delivered_share"] == f"96,8{NBSP}%", country
