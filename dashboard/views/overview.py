"""Overview page: KPI tiles, state and receipt distributions, delivery outcome over time."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboard import charts, controls, data, widgets
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


DeltaColor = Literal["normal", "inverse", "off"]


def _color(delta: str | None, normal: DeltaColor = "normal") -> DeltaColor:
    # An unchanged figure is neither good nor bad news.
    return "off" if delta is None or delta.lstrip("+-").strip("0.p ") == "" else normal


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("overview", lang))
    k = data.kpis(url, filters)
    p = data.kpis(url, view.previous())
    help_prev = t("vs_previous", lang)
    oldest = (view.now - k.oldest_pending).total_seconds() if k.oldest_pending else None
    tiles: list[tuple[str, str, str | None, DeltaColor]] = [
        ("kpi_messages", f"{k.messages:,}", _delta_count(k.messages, p.messages), "normal"),
        (
            "kpi_delivered",
            _pct(k.share(k.delivered)),
            _delta_pp(k.share(k.delivered), p.share(p.delivered)),
            "normal",
        ),
        (
            "kpi_failed",
            _pct(k.share(k.failed)),
            _delta_pp(k.share(k.failed), p.share(p.failed)),
            "inverse",
        ),
        ("kpi_pending", f"{k.pending:,}", _delta_count(k.pending, p.pending), "inverse"),
        ("kpi_gave_up", f"{k.gave_up:,}", _delta_count(k.gave_up, p.gave_up), "inverse"),
        ("kpi_error_rate", _pct(k.error_rate), _delta_pp(k.error_rate, p.error_rate), "inverse"),
    ]
    for column, (key, value, delta, color) in zip(st.columns(len(tiles)), tiles, strict=True):
        extra = t("oldest", lang, age=age_text(oldest)) + " · " if key == "kpi_pending" else ""
        column.metric(
            t(key, lang), value, delta, delta_color=_color(delta, color), help=extra + help_prev
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
    widgets.chart(view, outcome, lambda d: charts.outcome_over_time(d, lang))


controls.live(render)
