"""Global controls in the sidebar, mirrored in the URL so a view can be shared as a link."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from dashboard.i18n import t
from db.codes import Lang
from db.read.filters import Filters, bucket_seconds, sliding_start

PRESETS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
REFRESH = {"off": None, "15": 15, "60": 60}
LANGS = {"en": "English", "cs": "Čeština"}
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

    def refreshed(self) -> View:
        """The same view a few seconds later (what an auto-refresh shows)."""
        now = rounded_now()
        if self.span is None or now == self.now:
            return self
        start = sliding_start(now, self.span, _offset(self.tz, now))
        return replace(self, filters=replace(self.filters, start=start, end=now), now=now)

    @property
    def bucket(self) -> int:
        return bucket_seconds(self.filters)

    @property
    def offset(self) -> int:
        """Seconds to add so that day buckets start at local midnight."""
        return _offset(self.tz, self.now)

    def local(self, value: datetime | None) -> str:
        return "—" if value is None else value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")


def _offset(tz: ZoneInfo, now: datetime) -> int:
    shift = tz.utcoffset(now.replace(tzinfo=None))
    return int(shift.total_seconds()) if shift else 0


def rounded_now() -> datetime:
    stamp = math.ceil(datetime.now(UTC).timestamp() / NOW_STEP) * NOW_STEP
    return datetime.fromtimestamp(stamp, UTC)


def _default(key: str, value: Any) -> None:
    # The URL seeds a widget only on the first run; afterwards the widget's state wins.
    if key not in st.session_state:
        st.session_state[key] = value


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _date(raw: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else fallback
    except ValueError:
        return fallback


def sidebar(options: dict[str, list[str]]) -> View:
    qp = st.query_params
    side = st.sidebar
    _default("lang", qp.get("lang") if qp.get("lang") in LANGS else "en")
    lang = cast(
        Lang,
        side.radio(
            "Language / Jazyk", list(LANGS), format_func=LANGS.get, horizontal=True, key="lang"
        ),
    )
    ranges = [*PRESETS, "custom"]
    _default("range", qp.get("range") if qp.get("range") in ranges else "24h")
    range_key = side.selectbox(
        t("range", lang), ranges, format_func=lambda k: t(k, lang), key="range"
    )
    tz_default = qp.get("tz") or os.environ.get("SMSDASH_TIMEZONE") or _browser_zone()
    _default("tz", tz_default)
    tz = _zone(side.text_input(t("timezone", lang), key="tz"))
    now = rounded_now()
    if range_key == "custom":
        today = now.astimezone(tz).date()
        _default("from", _date(qp.get("from"), today - timedelta(days=7)))
        _default("to", _date(qp.get("to"), today))
        first = side.date_input(t("from", lang), key="from")
        last = side.date_input(t("to", lang), key="to")
        start = datetime.combine(first, time(), tz).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
        end = max(end, start + timedelta(hours=1))
    else:
        end, start = now, sliding_start(now, PRESETS[range_key], _offset(tz, now))
        side.caption(t("range_since", lang, start=start.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    chosen: dict[str, str | None] = {}
    for name in ("account", "sender", "gateway"):
        choices = ["", *options.get(name, [])]
        _default(name, qp.get(name) if qp.get(name) in choices else "")
        value = side.selectbox(
            t(name, lang), choices, key=name, format_func=lambda v: v or t("all", lang)
        )
        chosen[name] = value or None
    _default("numbers", qp.get("numbers") == "full")
    show = side.toggle(t("show_numbers", lang), key="numbers")
    _default("refresh", qp.get("refresh") if qp.get("refresh") in REFRESH else "off")
    refresh = side.selectbox(
        t("refresh", lang),
        list(REFRESH),
        key="refresh",
        format_func=lambda k: t("off", lang) if k == "off" else f"{k} s",
    )
    _write_url(lang, range_key, chosen, show, refresh, tz.key)
    view = View(
        Filters(start, end, **chosen),
        lang,
        bool(show),
        REFRESH[refresh],
        tz,
        now,
        span=PRESETS.get(range_key),
    )
    st.session_state["view"] = view
    return view


def _browser_zone() -> str:
    try:
        return st.context.timezone or "UTC"
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return "UTC"


PAGE_PARAMS = ("request",)


def _write_url(
    lang: str, range_key: str, chosen: dict[str, str | None], show: bool, refresh: str, tz: str
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
    # a page's own parameters (the Insights page's ?request=) outlive the sidebar's rewrite
    wanted.update({k: str(st.query_params[k]) for k in PAGE_PARAMS if st.query_params.get(k)})
    if range_key == "custom":
        wanted["from"] = str(st.session_state["from"])
        wanted["to"] = str(st.session_state["to"])
    if dict(st.query_params.to_dict()) != wanted:
        st.query_params.from_dict(wanted)


def current() -> View:
    return cast(View, st.session_state["view"])


def live(body: Callable[[View], None]) -> None:
    """Run a page body; with auto-refresh on, rerun only it (a fragment), not the whole page."""
    view = current()
    if view.refresh:
        st.fragment(run_every=view.refresh)(lambda: body(current().refreshed()))()
    else:
        body(view)
