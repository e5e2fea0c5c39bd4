"""The line at the top of every page: are my messages arriving? And what needs attention."""

from __future__ import annotations

import os

import streamlit as st

from dashboard import data
from dashboard.controls import View
from dashboard.formatting import age_text, money, plural, when
from dashboard.i18n import t

AUTH_ERROR = 103
LOW_RUNWAY_HOURS = 24.0


def stale_after() -> float:
    """SMSDASH_STALE_AFTER: seconds without a successful call before the pages warn."""
    try:
        return float(os.environ.get("SMSDASH_STALE_AFTER", "300"))
    except ValueError:
        return 300.0


def sentence(view: View) -> tuple[str, list[tuple[str, str]]]:
    """The one sentence, and the warnings as (level, text) pairs."""
    lang, url, f = view.lang, data.url(), view.filters
    arrival = data.arrival(url, f.account, f.sender, f.gateway)
    last = data.last_calls(url, f.account)
    runway = data.runway(url, f.account, view.now)
    parts = []
    if arrival.last_delivered is None:
        parts.append(t("st_no_delivery", lang))
    else:
        ago = (view.now - arrival.last_delivered).total_seconds()
        parts.append(
            t(
                "st_delivered",
                lang,
                age=age_text(ago),
                when=when(arrival.last_delivered, view.tz, lang, short=True),
            )
        )
    if arrival.pending and arrival.oldest_pending is not None:
        oldest = (view.now - arrival.oldest_pending).total_seconds()
        messages = plural("messages", arrival.pending, lang)
        parts.append(t("st_pending", lang, messages=messages, age=age_text(oldest)))
    else:
        parts.append(t("st_no_pending", lang))
    warnings: list[tuple[str, str]] = []
    if last.last_ok is None:
        parts.append(t("st_no_calls", lang))
        warnings.append(("warning", t("no_ok_call", lang)))
    else:
        since = (view.now - last.last_ok).total_seconds()
        stale = since > stale_after()
        parts.append(t("st_stale" if stale else "st_fresh", lang, age=age_text(since)))
        if stale:
            warnings.append(("warning", t("stale_warning", lang, age=age_text(since))))
    if runway.credit is not None:
        credit = money(runway.credit, lang)
        if runway.hours_left is not None:
            lasts = age_text(runway.hours_left * 3600)
            parts.append(t("st_runway", lang, credit=credit, runway=lasts))
            if runway.hours_left < LOW_RUNWAY_HOURS:
                warnings.append(("warning", t("low_credit", lang, credit=credit, runway=lasts)))
        else:
            parts.append(t("st_credit", lang, credit=credit))
    error_at, ok_at = last.last_error, last.last_ok
    if last.last_error_code == AUTH_ERROR and error_at and (ok_at is None or error_at > ok_at):
        # Polling has stopped: say so on every page, not only on the health page.
        warnings.insert(0, ("error", t("auth_failed", lang, when=when(error_at, view.tz, lang))))
    return " · ".join(parts) + ".", warnings


def show(view: View) -> None:
    text, warnings = sentence(view)
    box = st.container(key="status_line")
    levels = {level for level, _ in warnings}
    shown = box.error if "error" in levels else box.warning if warnings else box.success
    shown(text, icon=":material/sms:")
    for level, warning in warnings:
        (box.error if level == "error" else box.warning)(warning)
