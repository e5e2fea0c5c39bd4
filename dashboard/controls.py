"""Global controls in the sidebar, mirrored in the URL so a view can be shared as a link."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard import params, safe
from dashboard.i18n import t
from dashboard.ranges import custom_range, preset_range, previous_period
from db.codes import Lang
from db.read.filters import Filters, bucket_seconds

PRESETS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
REFRESH = {"off": None, "15": 15, "60": 60}
LANGS = {"en": "English", "cs": "Čeština"}
# Filters a page keeps in the URL as well (stuck threshold, message filters, page).
PAGE_PARAMS = ("stuck", "state", "receipt", "finality", "request", "number", "page")
# Rounding "now" keeps the cached results valid between reruns a few seconds apart.
NOW_STEP = 10


@dataclass(frozen=True)
class View:
    filters: Filters
    lang: Lang
    show_numbers: bool
    refresh: int | None
    tz: ZoneInfo
    now: datetime
    span: timedelta | None = None  # a preset range follows the clock; a custom one stays put
    numbers_allowed: bool = True  # False: the operator keeps numbers masked for everyone

    def refreshed(self, now: datetime | None = None) -> View:
        """The same view a few seconds later (what an auto-refresh shows)."""
        now = now or rounded_now()
        if self.span is None or now == self.now:
            return self
        start, end = preset_range(now, self.span, self.tz)
        return replace(self, filters=replace(self.filters, start=start, end=end), now=now)

    def previous(self) -> Filters:
        """The period the change figures compare with (see ``previous_period``)."""
        return previous_period(self.filters, self.tz)

    @property
    def bucket(self) -> int:
        return bucket_seconds(self.filters)

    @property
    def zone(self) -> str:
        """The zone's name, for the queries: their day buckets are its local days."""
        return self.tz.key

    def local(self, value: datetime | None) -> str:
        return "—" if value is None else value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")


def rounded_now() -> datetime:
    stamp = math.ceil(datetime.now(UTC).timestamp() / NOW_STEP) * NOW_STEP
    return datetime.fromtimestamp(stamp, UTC)


def _default(key: str, value: Any) -> None:
    # The URL seeds a widget only on the first run; afterwards the widget's state wins.
    if key not in st.session_state:
        st.session_state[key] = value


def sidebar(options: dict[str, list[str]], numbers_allowed: bool = True) -> View:
    ranges = [*PRESETS, "custom"]
    qp = params.read(
        st.query_params.to_dict(),
        {
            "lang": LANGS,
            "range": ranges,
            "refresh": REFRESH,
            "numbers": ["full"],
            **{name: options.get(name, []) for name in ("account", "sender", "gateway")},
        },
    )
    notes = qp.notes
    side = st.sidebar
    _default("lang", qp.get("lang") or "en")
    lang = cast(
        Lang,
        side.radio(
            "Language / Jazyk", list(LANGS), format_func=LANGS.get, horizontal=True, key="lang"
        ),
    )
    _default("range", qp.get("range") or "24h")
    range_key = side.selectbox(
        t("range", lang), ranges, format_func=lambda k: t(k, lang), key="range"
    )
    configured = os.environ.get("SMSDASH_TIMEZONE")
    browser = _browser_zone()
    tz_default = qp.get("tz") or (
        configured
        if params.valid_zone(configured)
        else browser
        if params.valid_zone(browser)
        else "UTC"
    )
    _default("tz", tz_default)
    typed = side.text_input(t("timezone", lang), key="tz", max_chars=params.MAX_LENGTH)
    if not params.valid_zone(typed):
        notes.append(params.Note("tz", "why_zone"))
    tz = params.zone(typed)
    now = rounded_now()
    days: tuple[date, date] | None = None
    if range_key == "custom":
        today = now.astimezone(tz).date()
        linked_from, linked_to, dated = params.custom_dates(
            st.query_params.get("from"), st.query_params.get("to"), today
        )
        if "from" not in st.session_state:
            notes.extend(dated)
        _default("from", linked_from)
        _default("to", linked_to)
        earliest = params.earliest_day(today)
        picked = [
            side.date_input(t(k, lang), key=k, min_value=earliest, max_value=today)
            for k in ("from", "to")
        ]
        first, last, spanned = params.span(*(d if isinstance(d, date) else today for d in picked))
        notes.extend(spanned)
        days = (first, last)
        start, end = custom_range(first, last, tz)
    else:
        start, end = preset_range(now, PRESETS[range_key], tz)
        side.caption(t("range_since", lang, start=start.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    chosen: dict[str, str | None] = {}
    for name in ("account", "sender", "gateway"):
        choices = ["", *options.get(name, [])]
        _default(name, qp.get(name) or "")
        value = side.selectbox(
            t(name, lang),
            choices,
            key=name,
            format_func=lambda v: safe.text(v, 80) or t("all", lang),
        )
        chosen[name] = value or None
    show = False
    if numbers_allowed:
        _default("numbers", qp.get("numbers") == "full")
        show = side.toggle(t("show_numbers", lang), key="numbers")
    else:
        # The operator's setting: no URL parameter or stale widget state turns numbers on.
        side.caption(t("numbers_locked", lang))
    _default("refresh", qp.get("refresh") or "off")
    refresh = side.selectbox(
        t("refresh", lang),
        list(REFRESH),
        key="refresh",
        format_func=lambda k: t("off", lang) if k == "off" else f"{k} s",
    )
    for note in notes:
        side.warning(
            t("param_ignored", lang, name=note.name, why=t(note.why, lang, **dict(note.values)))
        )
    _write_url(lang, range_key, chosen, show, refresh, tz.key, days)
    view = View(
        Filters(start, end, **chosen),
        lang,
        bool(show),
        REFRESH[refresh],
        tz,
        now,
        span=PRESETS.get(range_key),
        numbers_allowed=numbers_allowed,
    )
    st.session_state["view"] = view
    return view


def _browser_zone() -> str:
    try:
        return st.context.timezone or "UTC"
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return "UTC"


def _write_url(
    lang: str,
    range_key: str,
    chosen: dict[str, str | None],
    show: bool,
    refresh: str,
    tz: str,
    days: tuple[date, date] | None,
) -> None:
    wanted = {
        "lang": lang,
        "range": range_key,
        "tz": tz,
        "refresh": refresh,
        **{k: v for k, v in chosen.items() if v},
    }
    if show:
        wanted["numbers"] = "full"
    # The page's own filters stay: the page itself writes them after the sidebar.
    wanted.update({k: v for k in PAGE_PARAMS if (v := st.query_params.get(k)) is not None})
    if days is not None:
        wanted["from"], wanted["to"] = str(days[0]), str(days[1])
    if dict(st.query_params.to_dict()) != wanted:
        st.query_params.from_dict(wanted)


def page_default(key: str, param: str, parse: Callable[[str], Any], fallback: Any) -> None:
    """Seed a page widget from the URL on the first run, so a shared link opens the same view."""
    raw = st.query_params.get(param)
    value = fallback
    if raw is not None:
        try:
            value = parse(raw)
        except (ValueError, TypeError):
            value = fallback
    _default(key, value)


def page_param(param: str, value: str | None) -> None:
    """Mirror a page filter in the URL; its default (None) leaves the URL clean."""
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def current() -> View:
    return cast(View, st.session_state["view"])


def live(body: Callable[[View], None]) -> None:
    """Run a page body; with auto-refresh on, rerun only it (a fragment), not the whole page."""
    view = current()
    if view.refresh:
        st.fragment(run_every=view.refresh)(lambda: body(current().refreshed()))()
    else:
        body(view)
