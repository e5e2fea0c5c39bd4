"""Overview page: KPI tiles, state and receipt distributions, delivery outcome over time."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboard import charts, controls, data, status, widgets
from dashboard.controls import View
from dashboard.formatting import age_text, delta_count, number, percent, points, when
from dashboard.i18n import t
from db.codes import Lang

DeltaColor = Literal["normal", "inverse", "off"]


def _delta_pp(now: float | None, before: float | None, lang: Lang) -> str | None:
    if now is None or before is None:
        return None
    change = round((now - before) * 100, 1)
    if change == 0:
        return None  # an unchanged figure gets no arrow, not "↑ +0"
    return points(change, lang)


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("overview", lang))
    status.show(view)
    k = data.kpis(url, filters)
    previous = view.previous()
    p = data.kpis(url, previous)
    compared = t(
        "vs_previous",
        lang,
        start=when(previous.start, view.tz, lang, short=True),
        end=when(previous.end, view.tz, lang, short=True),
    )
    oldest = (view.now - k.oldest_pending).total_seconds() if k.oldest_pending else None
    tiles: list[tuple[str, str, str, str | None, DeltaColor]] = [
        (
            "kpi_messages",
            "help_messages",
            number(k.messages, lang),
            delta_count(k.messages, p.messages, lang),
            "off",
        ),
        (
            "kpi_delivered",
            "help_delivered",
            percent(k.share(k.delivered), lang),
            _delta_pp(k.share(k.delivered), p.share(p.delivered), lang),
            "normal",
        ),
        (
            "kpi_failed",
            "help_failed",
            percent(k.share(k.failed), lang),
            _delta_pp(k.share(k.failed), p.share(p.failed), lang),
            "inverse",
        ),
        (
            "kpi_pending",
            "help_pending",
            number(k.pending, lang),
            delta_count(k.pending, p.pending, lang),
            "inverse",
        ),
        (
            "kpi_gave_up",
            "help_gave_up",
            number(k.gave_up, lang),
            delta_count(k.gave_up, p.gave_up, lang),
            "inverse",
        ),
        (
            "kpi_error_rate",
            "help_error_rate",
            percent(k.error_rate, lang),
            _delta_pp(k.error_rate, p.error_rate, lang),
            "inverse",
        ),
    ]
    top, bottom = st.columns(3), st.columns(3)
    for column, (key, help_key, value, delta, color) in zip([*top, *bottom], tiles, strict=True):
        column.metric(
            t(key, lang),
            value,
            delta,
            delta_color=color,
            help=t(help_key, lang) + " " + compared,
        )
    if k.pending and oldest is not None:
        st.caption(t("kpi_pending", lang) + ": " + t("oldest", lang, age=age_text(oldest)))
    if not k.messages:
        st.info(t("no_messages_range", lang))
        return

    states, receipts = data.distributions(url, filters)
    left, right = st.columns(2)
    with left:
        st.subheader(t("request_states", lang))
        st.plotly_chart(
            charts.distribution(states, "request_state", lang),
            width="stretch",
            key="dist_request_state",
        )
    with right:
        st.subheader(t("receipts", lang))
        st.plotly_chart(
            charts.distribution(receipts, "receipt", lang), width="stretch", key="dist_receipt"
        )
    st.subheader(t("outcome_over_time", lang))
    axis = widgets.axis(view, data.first_message(url, filters))
    outcome = data.outcome_over_time(url, filters, axis.bucket, view.zone)
    widgets.chart(
        outcome,
        lambda d: charts.outcome_over_time(d, axis),
        t("no_messages_range", lang),
        key="outcome_chart",
    )


controls.live(render)
