"""End to end in a real browser: the dashboard served by Streamlit, driven in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from dashboard.controls import NOW_STEP
from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import ROOT
from tests.seed import in_range, seed

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    path = os.environ.get("SMSDASH_TEST_BROWSER") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("browser") / "smsdash.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    SEEDED["at"] = seed(engine)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "SMSDASH_DATABASE_URL": f"sqlite:///{path}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                break
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: not up yet
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(
            "the dashboard did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
        )
    yield base
    proc.terminate()
    proc.wait(timeout=20)


PAGES = ["overview", "backlog", "errors", "messages", "health"]
HEADINGS = {
    "en": ["Overview", "Backlog", "Errors", "Messages", "Collector health"],
    "cs": ["Přehled", "Nedokončené", "Chyby", "Zprávy", "Stav sběru"],
}
CHARTS = {"overview": 3, "backlog": 4, "errors": 1, "messages": 0, "health": 2}
# Generous: the machine may be busy with other work while the tests run.
LOAD = 120_000
SCREENSHOT = 180_000  # a full page on a loaded machine; the artifact is not worth a failure
# When the module's database was seeded: its ages grow while the module runs, and a busy
# machine can take half an hour over the module.
SEEDED: dict[str, datetime] = {}


def minutes_since(before_seed: timedelta) -> int:
    """Whole minutes from ``before_seed`` ahead of the seed's "now" until this moment."""
    return int((datetime.now(UTC) - SEEDED["at"] + before_seed).total_seconds() // 60)


def any_of(low: int, high: int) -> str:
    return "(" + "|".join(str(n) for n in range(low, high + 1)) + ")"


WORD = r"[^\W\d_]{4,}"  # whole words, Czech letters included
FORBIDDEN = re.compile(r"\b(nan|NaN|None|never|nikdy|null|undefined)\b")
# Words that read the same in Czech: product and API names, data values from the seed.
SAME_IN_CZECH = {
    "smsmanager",
    "requeststatus",
    "requestlist",
    "getuserinfo",
    "myshop",
    "bank",
    "doctor",
    "high",
    "economy",
    "lowcost",
    "http",
    "smsdash",
    "deploy",
    "english",
    "language",  # the language switch is labelled in both: "Language / Jazyk"
}


def english_words() -> set[str]:
    """Words of the English labels that no Czech label uses: none may show on a Czech page."""
    from dashboard.i18n import CODE_NAMES, LABELS, MEANING_OVERRIDES

    pairs = [*LABELS.values(), *MEANING_OVERRIDES.values()]
    pairs += [names for table in CODE_NAMES.values() for names in table.values()]
    words = lambda text: {w.lower() for w in re.findall(WORD, text)}  # noqa: E731
    english = set().union(*(words(en) for en, _cs in pairs))
    czech = set().union(*(words(cs) for _en, cs in pairs))
    # Streamlit's own English (an empty select box says "Choose an option").
    return (english | {"choose", "option", "options", "select"}) - czech - SAME_IN_CZECH


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def open_page(
    browser: Any,
    base: str,
    page: str,
    lang: str,
    scheme: str = "light",
    width: int = 1400,
    **params: str,
) -> Any:
    """Open a page and wait until it has rendered: heading, status line, every chart."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": 1600}, color_scheme=scheme)
    tab = context.new_page()
    query = "&".join(f"{k}={v}" for k, v in {"range": "24h", "lang": lang, **params}.items())
    tab.goto(f"{base}/{'' if page == 'overview' else page}?{query}")
    heading = HEADINGS[lang][PAGES.index(page)]
    expect(tab.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=LOAD)
    expect(tab.locator(".st-key-status_line")).to_be_visible(timeout=LOAD)
    if CHARTS[page]:
        charts = tab.locator(".js-plotly-plot .main-svg")
        expect(charts.nth(CHARTS[page] - 1)).to_be_visible(timeout=LOAD)
    # Streamlit marks a page stale while it reruns; wait until it has settled.
    expect(tab.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=LOAD)
    return tab


def page_text(tab: Any) -> str:
    """What a reader sees: the main area and the sidebar's labels, and the charts' text."""
    main = tab.locator("[data-testid='stMain']").inner_text()
    side = tab.locator("[data-testid='stSidebarUserContent']").inner_text()
    svg = tab.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot text'))"
        ".map(t => t.textContent).join('\\n')"
    )
    # Material icons are ligatures: their names ("keyboard_arrow_right") are not words shown.
    return re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", "\n".join((main, side, svg)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "cs"])
def test_every_page_reads_without_nan_none_never_or_english_on_a_czech_page(
    dashboard: str, browser: Any, lang: str, scheme: str
) -> None:
    """And a screenshot of each for people to look at (test-artifacts/, kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)
    english = english_words()
    for page in PAGES:
        tab = open_page(browser, dashboard, page, lang, scheme)
        tab.screenshot(
            path=str(ARTIFACTS / f"{page}-{lang}-{scheme}.png"), full_page=True, timeout=SCREENSHOT
        )
        assert tab.locator("[data-testid='stException']").count() == 0, page
        text = page_text(tab)
        assert not FORBIDDEN.findall(text), (page, FORBIDDEN.findall(text))
        if lang == "cs":
            words = {w.lower() for w in re.findall(WORD, text)}
            assert not words & english, (page, sorted(words & english))
        tab.context.close()


def test_the_overview_kpis_equal_the_seeded_truth_in_chromium(dashboard: str, browser: Any) -> None:
    from playwright.sync_api import expect

    tab = open_page(browser, dashboard, "overview", "en")
    truth = Counter(m.outcome for m in in_range())
    tile = tab.get_by_test_id("stMetric").filter(has_text="Messages").first
    expect(tile).to_contain_text(str(sum(truth.values())))
    tab.context.close()


def test_every_time_axis_is_drawn_and_named_in_the_chosen_zone(
    dashboard: str, browser: Any
) -> None:
    zone = ZoneInfo("Asia/Tokyo")
    for page in ("overview", "backlog", "errors", "health"):
        tab = open_page(browser, dashboard, page, "en", tz="Asia/Tokyo")
        axes = tab.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(g => g.layout.xaxis.type === 'date')"
            ".map(g => [g.layout.xaxis.title.text, g.layout.xaxis.range[1]])"
        )
        assert axes, page
        now = datetime.now(zone).replace(tzinfo=None)
        for title, end in axes:
            assert title == "Time (Asia/Tokyo)"
            # The axis ends at now in Tokyo, not in UTC (nine hours apart).
            shown = datetime.fromisoformat(str(end)[:19])
            assert abs((shown - now).total_seconds()) < 600, (page, end, now)
        ticks = tab.evaluate(
            "() => Array.from(document.querySelectorAll('.xtick text')).map(t => t.textContent)"
        )
        assert ticks and not [t for t in ticks if re.search(r"\d\d:\d\d:\d\d\.\d", t)], ticks
        tab.context.close()


@pytest.mark.parametrize("lang", ["en", "cs"])
def test_the_late_list_fits_a_1280_px_window_beside_the_sidebar_without_scrolling_sideways(
    dashboard: str, browser: Any, lang: str
) -> None:
    from playwright.sync_api import expect

    from dashboard.i18n import t

    tab = open_page(browser, dashboard, "backlog", lang, width=1280)
    grid = tab.locator(".st-key-late_table .dvn-scroller")
    expect(grid).to_be_visible(timeout=LOAD)
    assert tab.get_by_test_id("stSidebar").bounding_box()["width"] > 200  # expanded
    # The grid puts only the columns in view into the page, once it has laid them out.
    headers = tab.locator(".st-key-late_table [role=columnheader]")
    expect(headers.first).to_have_text(t("request_id", lang), timeout=LOAD)
    wide, shown = grid.evaluate("g => [g.scrollWidth, g.clientWidth]")
    assert wide <= shown, f"the late list is {wide} px wide in a {shown} px frame"
    expect(headers.last).to_have_text(t("ins_late_ratio", lang), timeout=LOAD)
    tab.context.close()


def test_czech_pages_write_numbers_money_percentages_and_plurals_the_czech_way(
    dashboard: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    tab = open_page(browser, dashboard, "overview", "cs")
    delivered = sum(m.outcome == "delivered" for m in in_range()) / len(in_range())
    main = tab.get_by_test_id("stMain")
    # expect() waits for the tile and reads NBSPs as spaces
    expect(main).to_contain_text(f"{delivered * 100:.1f} %".replace(".", ","), timeout=LOAD)
    text = page_text(tab).replace("\xa0", " ").replace("\u202f", " ")
    assert "980,00 Kč" in text
    assert "3 zprávy bez výsledku" in text
    tab.context.close()
    tab = open_page(browser, dashboard, "health", "cs")
    text = page_text(tab).replace("\xa0", " ")
    assert "980,00 Kč" in text and "Čas (" in text
    tab.context.close()


def colors_by_name(tab: Any) -> dict[str, str]:
    """Every named bar or line colour on the page: legend names and category bars alike."""
    return dict(
        tab.evaluate(
            """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(g =>
                g.data.flatMap(tr => {
                    const c = (tr.marker && tr.marker.color) || (tr.line && tr.line.color);
                    if (Array.isArray(c)) return tr.x.map((x, i) => [String(x), c[i]]);
                    return c ? [[String(tr.name), c]] : [];
                }))"""
        )
    )


def test_a_code_has_the_same_colour_on_every_page_and_in_both_themes(
    dashboard: str, browser: Any
) -> None:
    seen: dict[str, set[str]] = {}
    for scheme in ("light", "dark"):
        for page in ("overview", "backlog"):
            tab = open_page(browser, dashboard, page, "en", scheme)
            for name, color in colors_by_name(tab).items():
                seen.setdefault(name, set()).add(color.lower())
            tab.context.close()
    # Receipts 1 and 5 appear on the overview's bars and on the backlog's age chart.
    for name in ("1 · delivering", "5 · waiting", "2 · sent", "delivered"):
        assert len(seen.get(name, ())) == 1, (name, seen.get(name))
    assert seen["2 · delivered"] == {"#2e7d32"} and seen["3 · not delivered"] == {"#c62828"}
    assert seen["9 · unknown (9)"] == {"#8e44ad"}


def test_the_status_line_says_whether_messages_arrive_in_one_sentence(
    dashboard: str, browser: Any
) -> None:
    pending = [m for m in in_range() if m.outcome == "pending"]
    # The seed: last delivery 29 min 20 s before it was written, three messages pending
    # (the oldest 2 h), the last successful call 20 min old, 980 CZK spent at 20 CZK / 9 h.
    delivery, call = timedelta(minutes=29, seconds=20), timedelta(minutes=20)
    for page in PAGES:
        low = (minutes_since(delivery), minutes_since(call))
        tab = open_page(browser, dashboard, page, "en")
        line = tab.locator(".st-key-status_line").inner_text().replace("\xa0", " ")
        # The dashboard's "now" is rounded up to the next NOW_STEP: up to that much later.
        ahead = timedelta(seconds=NOW_STEP)
        high = (minutes_since(delivery + ahead), minutes_since(call + ahead))
        assert re.search(rf"Last delivery {any_of(low[0], high[0])} min ago", line), line
        assert f"{len(pending)} messages not final, the oldest for 2 h" in line, line
        assert re.search(rf"collector silent for {any_of(low[1], high[1])} min", line), line
        assert "credit 980.00 CZK lasts about 18 d 9 h" in line, line
        assert "no successful call for" in line, "the stale collector is a warning on every page"
        tab.context.close()


def test_a_messages_timeline_reads_in_words_in_czech(dashboard: str, browser: Any) -> None:
    from playwright.sync_api import expect

    tab = open_page(browser, dashboard, "messages", "cs", number="000302")
    grid = tab.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible(timeout=LOAD)
    box = grid.bounding_box()
    # The row's selection box: first column of the first row below the header.
    tab.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    expect(tab.get_by_text("Časová osa", exact=True)).to_be_visible(timeout=LOAD)
    grids = tab.locator("[data-testid='stDataFrame']")
    expect(grids).to_have_count(2, timeout=LOAD)
    tab.screenshot(path=str(ARTIFACTS / "timeline-cs.png"), full_page=True, timeout=SCREENSHOT)
    # The grid draws on a canvas; its cells are readable through the download-free copy.
    text = tab.evaluate(
        "() => Array.from(document.querySelectorAll('[data-testid=\"stDataFrame\"]'))"
        ".map(d => d.innerText).join('\\n')"
    )
    assert "nan" not in text and "request_state" not in text
    tab.context.close()


def test_the_csv_download_holds_exactly_the_messages_in_range(dashboard: str, browser: Any) -> None:
    import csv

    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{dashboard}/messages?range=24h&numbers=full")
    link = page.get_by_role("button", name="Download CSV")
    expect(link).to_be_enabled(timeout=LOAD)
    with page.expect_download(timeout=LOAD) as info:
        link.click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    context.close()
    header, *rows = list(csv.reader(text.splitlines()))
    assert header[:8] == [
        "account",
        "request_id",
        "number",
        "sender",
        "gateway",
        "request_state",
        "receipt_state",
        "expected_receipts",
    ]
    got = sorted(tuple(r[:7]) for r in rows)
    want = sorted(
        (
            m.account,
            m.request_id,
            m.number,
            m.sender,
            m.gateway,
            str(m.request_state),
            str(m.receipt),
        )
        for m in in_range()
    )
    assert got == want
