"""The Insights page in a real browser (Debian's Chromium), in English and in Czech."""

from __future__ import annotations

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM_FLAGS, chromium, dashboard  # noqa: F401

pytestmark = pytest.mark.browser

MOVED = {
    "en": "Messages late for their kind are listed on the Backlog page.",
    "cs": "Zprávy po termínu vzhledem ke svému druhu jsou na stránce Nedokončené.",
}
# request 1001 of the seed: three numbers, all final
ABOUT = {"en": "Request 1001: 3 number(s)", "cs": "Požadavek 1001: čísel 3"}


LANGUAGES = [
    (
        "en",
        "Insights",
        ["Receipt coverage", "Outcome mix against the same range"],
        "No outcome changed its share beyond chance.",
    ),
    (
        "cs",
        "Souvislosti",
        ["Pokrytí doručenkami", "Skladba výsledků"],
        "Žádný výsledek nezměnil podíl víc, než dovoluje náhoda.",
    ),
]


@pytest.mark.parametrize(("lang", "title", "texts", "verdict"), LANGUAGES)
def test_the_insights_page_shows_coverage_and_the_outcome_mix_in_each_language(
    dashboard: str,  # noqa: F811
    lang: str,
    title: str,
    texts: list[str],
    verdict: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{dashboard}/insights?range=24h&lang={lang}&request=1001")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=90_000)
        for text in texts:
            expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=60_000)
        # the late messages are on Backlog: one line points there
        expect(page.get_by_text(MOVED[lang], exact=True)).to_be_visible(timeout=60_000)
        # the coverage table and the outcome table
        expect(page.locator("[data-testid='stDataFrame']").nth(1)).to_be_visible(timeout=60_000)
        # the completion curve and the coverage chart
        expect(page.get_by_text(ABOUT[lang], exact=False)).to_be_visible(timeout=60_000)
        expect(page.locator(".js-plotly-plot").nth(1)).to_be_visible(timeout=60_000)
        # the seed has no week-old messages and few final ones: nothing may be flagged
        expect(page.get_by_text(verdict, exact=True)).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"page-insights-{lang}.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
