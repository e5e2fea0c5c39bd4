"""Backlog page: what is not final yet, how old it is, what is stuck, how long final takes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, controls, data, safe, widgets
from dashboard.controls import View
from dashboard.i18n import t
from db.read.history import AGE_BUCKETS

ORDER = [label for label, _limit in AGE_BUCKETS]


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("backlog", lang))
    st.subheader(t("backlog_over_time", lang))
    series, heat = data.backlog_history(url, filters, view.bucket, view.offset)
    widgets.chart(view, series, lambda d: charts.backlog_line(d, lang))

    left, right = st.columns(2)
    with left:
        st.subheader(t("aging", lang))
        ages = data.aging(url, filters, view.now)
        widgets.chart(view, ages, lambda d: charts.aging_bars(d, ORDER, lang))
    with right:
        st.subheader(t("aging_heatmap", lang))
        widgets.chart(view, heat, lambda d: charts.aging_heatmap(d, ORDER, lang))

    st.subheader(t("stuck", lang))
    minutes = int(
        st.number_input(
            t("stuck_threshold", lang), min_value=0, value=30, step=5, key="stuck_minutes"
        )
    )
    stuck = data.stuck(url, filters, minutes, view.now)
    if stuck.empty:
        st.info(t("no_rows", lang))
    else:
        chosen = widgets.message_table(view, stuck, key="stuck_table")
        if chosen is not None:
            widgets.timeline(view, chosen["account"], chosen["request_id"], chosen["number"])

    st.subheader(t("time_to_final", lang))
    speed = data.time_to_final(url, filters)
    if speed.empty:
        st.info(t("no_rows", lang))
    else:
        figure = charts.time_to_final(safe.chart_column(speed, "gateway"), lang)
        st.plotly_chart(figure, width="stretch")
        st.dataframe(
            pd.DataFrame(
                {
                    t("gateway", lang): [safe.text(g) for g in speed["gateway"]],
                    "": [t(f"measure_{m}", lang) for m in speed["measure"]],
                    "p50 (s)": speed["p50"],
                    "p90 (s)": speed["p90"],
                    "p99 (s)": speed["p99"],
                    t("count", lang): speed["messages"],
                }
            ),
            hide_index=True,
            width="stretch",
        )


controls.live(render)
