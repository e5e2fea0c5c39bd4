"""The Insights page in a real browser (Debian's Chromium), in English and in Czech."""

from __future__ import annotations

import pytest

from tests.seed import in_range
from tests.test_browser import ARTIFACTS, CHROMIUM_FLAGS, SCREENSHOT, chromium, dashboard  # noqa: F401
from tests.test_curves import across, level_time
from tests.test_curves_app import seeded_requests

pytestmark = pytest.mark.browser

MOVED = {
    "en": "Messages late for their kind are listed on the Backlog page.",
    "cs": "Zprávy po termínu vzhledem ke svému druhu jsou na stránce Nedokončené.",
}
# request 1001 of the seed: three numbers, all final
ABOUT = {"en": "Request 1001: 3 number(s)", "cs": "Požadavek 1001: čísel 3"}


INCOMPLETE = {
    "en": "{} request(s) not complete after their kind's p95".format,
    "cs": "Požadavků nedokončených po p95 svého druhu: {}".format,
}


def incomplete_in_seed() -> int:
    """Requests with a number pending past the fixed 30 min (no kind has 50 samples)."""
    return len({m.request_id for m in in_range() if m.outcome == "pending" and m.minutes_ago >= 30})


def curves_in_seed() -> int:
    """Median and p90 curves drawn: those where the first tenth is reached at all."""
    return sum(
        across([level_time(f, 10) for f in requests.values()], q) is not None
        for requests in seeded_requests().values()
        for q in (0.5, 0.9)
    )


LANGUAGES = [
    (
        "en",
        "Insights",
        [
            "Receipt coverage",
            "Outcome mix against the same range",
            "Completion curves of the range, by gateway",
            "Requests not complete after their kind's p95",
        ],
        "Nothing to compare: a test needs at least 30 final messages in each period",
    ),
    (
        "cs",
        "Souvislosti",
        [
            "Pokrytí doručenkami",
            "Skladba výsledků",
            "Průběh dokončení v období podle brány",
            "Požadavky nedokončené po p95 svého druhu",
        ],
        "Není s čím srovnávat: test potřebuje v každém období aspoň 30 zpráv",
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
        # the completion curve, the range's curves by gateway and the coverage chart
        expect(page.get_by_text(ABOUT[lang], exact=False)).to_be_visible(timeout=60_000)
        expect(page.locator(".js-plotly-plot").nth(2)).to_be_visible(timeout=60_000)
        # one legend entry per gateway and curve that reaches its first step
        legend = page.locator(".js-plotly-plot").nth(1).locator(".legendtext")
        expect(legend).to_have_count(curves_in_seed(), timeout=60_000)
        expect(page.get_by_text(INCOMPLETE[lang](incomplete_in_seed()))).to_be_visible(
            timeout=60_000
        )
        # the seed has no week-old messages: nothing could be tested, and the page says so
        expect(page.get_by_text(verdict, exact=False)).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(
            path=str(ARTIFACTS / f"page-insights-{lang}.png"), full_page=True, timeout=SCREENSHOT
        )
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()


@pytest.mark.parametrize(
    ("lang", "heading", "czechia"),
    [("en", "Destination countries", "Czechia"), ("cs", "Cílové země", "Česko")],
)
def test_the_insights_page_shows_destination_countries_in_each_language(
    dashboard: str,  # noqa: F811
    lang: str,
    heading: str,
    czechia: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(f"{dashboard}/insights?range=24h&lang={lang}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=90_000)
        # the seed's numbers are all Czech: one row, in the page's language (a canvas grid:
        # its cells are read from the data frame's accessible table)
        grid = page.locator("[data-testid='stDataFrame']").last
        expect(grid).to_contain_text(czechia, timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
