"""The Insights page's completion curves of the range and its incomplete requests, under
Streamlit's AppTest, in English and in Czech, on the seeded database."""

from __future__ import annotations

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from tests.seed import in_range, seed
from tests.test_curves import across, level_time
from tests.test_dashboard_app import app

# the seed: created 20 s before first seen, final numbers 40 s after that
FINAL_AFTER = 60
LANGUAGES = {
    "en": {
        "titles": [
            "Completion curves of the range, by gateway",
            "Requests not complete after their kind's p95",
        ],
        "share": "final",
        "request": "Request",
        "numbers": "Numbers",
        "limit": "Usually final within",
        "fixed": "fixed threshold",
        "count": "{n} request(s) not complete after their kind's p95",
    },
    "cs": {
        "titles": [
            "Průběh dokončení v období podle brány",
            "Požadavky nedokončené po p95 svého druhu",
        ],
        "share": "hotovo",
        "request": "Požadavek",
        "numbers": "Čísel",
        "limit": "Obvykle hotovo do",
        "fixed": "pevný práh",
        "count": "Požadavků nedokončených po p95 svého druhu: {n}",
    },
}


@pytest.fixture
def seeded_url(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return sqlite_url


def seeded_requests() -> dict[str, dict[str, list[int | None]]]:
    """gateway -> request -> each number's seconds to final (None: never), from the seed."""
    found: dict[str, dict[str, list[int | None]]] = {}
    for m in in_range():
        final = FINAL_AFTER if m.outcome in ("delivered", "failed") else None
        found.setdefault(m.gateway, {}).setdefault(m.request_id, []).append(final)
    return found


def incomplete_in_seed() -> set[str]:
    """No kind of the seed has 50 final messages: the fixed 30 min apply to every request."""
    return {m.request_id for m in in_range() if m.outcome == "pending" and m.minutes_ago >= 30}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_range_curves_and_the_incomplete_requests_show_in_each_language(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from dashboard.formatting import age_text

    words = LANGUAGES[lang]
    at = app(seeded_url, monkeypatch, timeout=90, lang=lang, range="24h")
    at.switch_page("views/insights.py").run()
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    for title in words["titles"]:
        assert title in subheaders

    curves = next(d.value for d in at.dataframe if words["share"] in d.value.columns)
    requests = seeded_requests()
    gateway = curves.columns[0]
    assert set(curves[gateway]) == set(requests)
    for name, finals in requests.items():
        rows = curves[curves[gateway] == name]
        assert len(rows) == 10
        full = [level_time(f, 100) for f in finals.values()]
        last = rows.iloc[-1]
        assert (last.iloc[2], last.iloc[3]) == (  # median, p90
            age_text(across(full, 0.5)),
            age_text(across(full, 0.9)),
        )

    listed = next(d.value for d in at.dataframe if words["numbers"] in d.value.columns)
    expected = incomplete_in_seed()
    assert set(listed[words["request"]]) == expected
    assert all(words["fixed"] in v for v in listed[words["limit"]])
    assert all("request=" in v for v in listed.iloc[:, -1])
    assert words["count"].format(n=len(expected)) in [t.value for t in at.text]
