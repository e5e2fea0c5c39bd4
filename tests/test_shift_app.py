"""The Insights page's outcome mix says when there was nothing to compare, in English and in
Czech, under Streamlit's AppTest on the seeded database (which has no week-old messages)."""

from __future__ import annotations

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from tests.seed import in_range, seed
from tests.test_dashboard_app import app

UNTESTED = {
    "en": "Nothing to compare: a test needs at least 30 final messages in each period "
    "(in the range {now}, a week earlier 0) and 10 with the outcome in both together.",
    "cs": "Není s čím srovnávat: test potřebuje v každém období aspoň 30 zpráv s konečným "
    "výsledkem (v období {now}, o týden dříve 0) a u výsledku aspoň 10 zpráv v obou dohromady.",
}
NO_CHANGE = {
    "en": "No outcome changed its share beyond chance.",
    "cs": "Žádný výsledek nezměnil podíl víc, než dovoluje náhoda.",
}


@pytest.mark.parametrize("lang", ["en", "cs"])
def test_an_outcome_mix_with_nothing_a_week_earlier_says_so_instead_of_no_change(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    final = sum(m.outcome in ("delivered", "failed") for m in in_range())
    assert final > 0  # the seed has final messages in the range, none a week earlier
    at = app(sqlite_url, monkeypatch, timeout=90, lang=lang, range="24h")
    at.switch_page("views/insights.py").run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert UNTESTED[lang].format(now=final) in infos, infos
    assert NO_CHANGE[lang] not in [s.value for s in at.success]
