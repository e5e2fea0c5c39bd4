"""Overview page: KPI tiles, state and receipt distributions, delivery outcome over time."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, controls, data
from dashboard.controls import View
from dashboard.formatting import age_text
from dashboard.i18n import t


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _delta_pp(now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    return f"{(now - before) * 100:+.1f} pp"


def _delta_count(now: int, before: int) -> str:
    return f"{now - before:+,}"


def _color(delta: str | None, normal: str = "normal") -> str:
    # An unchanged figure is neither good nor bad news.
    return "off" if delta is None or delta.lstrip("+-").strip("0.p ") == "" else normal


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("overview", lang))
    k = data.kpis(url, filters)
    p = data.kpis(url, filters.previous())
    help_prev = t("vs_previous", lang)
    cols = st.columns(6)
    cols[0].metric(
        t("kpi_messages", lang), f"{k.messages:,}", f"{k.messages - p.messages:+,}", help=help_prev
    )
    cols[1].metric(
        t("kpi_delivered", lang),
        _pct(k.share(k.delivered)),
        _delta_pp(k.share(k.delivered), p.share(p.delivered)),
        help=help_prev,
    )
    cols[2].metric(
        t("kpi_failed", lang),
        _pct(k.share(k.failed)),
        _delta_pp(k.share(k.failed), p.share(p.failed)),
        delta_color="inverse",
        help=help_prev,
    )
    oldest = (view.now - k.oldest_pending).total_seconds() if k.oldest_pending else None
    cols[3].metric(
        t("kpi_pending", lang),
        f"{k.pending:,}",
        f"{k.pending - p.pending:+,}",
        delta_color="inverse",
        help=t("oldest", lang, age=age_text(oldest)) + f" · {help_prev}",
    )
    cols[4].metric(
        t("kpi_gave_up", lang),
        f"{k.gave_up:,}",
        f"{k.gave_up - p.gave_up:+,}",
        delta_color="inverse",
        help=help_prev,
    )
    cols[5].metric(
        t("kpi_error_rate", lang),
        _pct(k.error_rate),
        _delta_pp(k.error_rate, p.error_rate),
        delta_color="inverse",
        help=help_prev,
    )
    if k.pending:
        st.caption(t("kpi_pending", lang) + ": " + t("oldest", lang, age=age_text(oldest)))

    states, receipts = data.distributions(url, filters)
    left, right = st.columns(2)
    with left:
        st.subheader(t("request_states", lang))
        st.plotly_chart(charts.distribution(states, "request_state", lang), width="stretch")
    with right:
        st.subheader(t("receipts", lang))
        st.plotly_chart(charts.distribution(receipts, "receipt", lang), width="stretch")
    st.subheader(t("outcome_over_time", lang))
    outcome = data.outcome_over_time(url, filters, view.bucket, view.offset)
    if outcome.empty:
        st.info(t("no_rows", lang))
    else:
        st.plotly_chart(charts.outcome_over_time(outcome, lang), width="stretch")


controls.live(render)
