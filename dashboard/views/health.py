"""Collector health page: is it polling, how the API answers, and how long the credit lasts."""

from __future__ import annotations

import os

import streamlit as st

from dashboard import charts, controls, data, widgets
from dashboard.controls import View
from dashboard.formatting import age_text
from dashboard.i18n import t

# Three empty pages, at least half of the status answers within the hour: not chance.
EMPTY_ALARM = 3


def _stale_after() -> float:
    try:
        return float(os.environ.get("SMSDASH_STALE_AFTER", "300"))
    except ValueError:
        return 300.0


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("health", lang))
    last = data.last_calls(url, filters.account)
    runway = data.runway(url, filters.account, view.now)
    cols = st.columns(3)
    since = (view.now - last.last_ok).total_seconds() if last.last_ok else None
    cols[0].metric(
        t("last_ok", lang),
        t("ago", lang, age=age_text(since)) if since is not None else t("never", lang),
        help=view.local(last.last_ok),
    )
    cols[1].metric(t("credit", lang), "—" if runway.credit is None else f"{runway.credit:,.2f}")
    cols[2].metric(
        t("runway", lang),
        age_text(runway.hours_left * 3600)
        if runway.hours_left is not None
        else t("runway_unknown", lang),
        help=t("spend", lang, rate=runway.spend_per_hour or 0.0),
    )
    if since is None or since > _stale_after():
        st.warning(t("stale", lang, age=age_text(since) if since is not None else t("never", lang)))
    if last.status_empty >= EMPTY_ALARM and last.status_empty * 2 >= last.status_answered:
        st.warning(t("empty_status", lang, n=last.status_empty, of=last.status_answered))
    if last.last_error is not None:
        code = f" {last.last_error_code}" if last.last_error_code is not None else ""
        st.caption(
            f"{t('last_error', lang)}: {view.local(last.last_error)} · "
            f"{last.last_error_outcome}{code} · {last.last_error_detail or ''}"
        )

    seconds = max(60, view.bucket)
    st.subheader(t("calls_over_time", lang))
    calls = data.calls_over_time(url, filters, seconds)
    widgets.chart(view, calls, lambda d: charts.calls_over_time(d, lang))
    left, right = st.columns(2)
    with left:
        st.subheader(t("latency", lang))
        latency = data.latency(url, filters).rename(
            columns={
                "method": t("method", lang),
                "p50_ms": "p50 (ms)",
                "p95_ms": "p95 (ms)",
                "calls": t("calls", lang),
            }
        )
        st.dataframe(latency, hide_index=True, width="stretch")
    with right:
        st.subheader(t("credit", lang))
        credit = data.credit(url, filters, seconds)
        widgets.chart(view, credit, lambda d: charts.credit_line(d, lang))


controls.live(render)
