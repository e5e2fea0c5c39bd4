"""Backlog page: what is not final yet, how old it is, what is stuck, how long final takes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, controls, data, safe, status, widgets
from dashboard.controls import View
from dashboard.formatting import number
from dashboard.i18n import t
from db.read.history import AGE_BUCKETS

ORDER = [label for label, _limit in AGE_BUCKETS]
STUCK_DEFAULT = 30


def _minutes(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 100_000:
        raise ValueError(raw)
    return value


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("backlog", lang))
    status.show(view)
    st.subheader(t("backlog_over_time", lang))
    axis = widgets.axis(view, data.first_message(url, filters))
    series, heat = data.backlog_history(url, filters, axis.bucket, view.zone)
    widgets.chart(
        series,
        lambda d: charts.backlog_line(d, axis),
        t("no_backlog", lang),
        key="backlog_chart",
    )

    left, right = st.columns(2)
    with left:
        st.subheader(t("aging", lang))
        ages = data.aging(url, filters, view.now)
        widgets.chart(
            ages,
            lambda d: charts.aging_bars(d, ORDER, lang),
            t("no_backlog", lang),
            key="aging_chart",
        )
    with right:
        st.subheader(t("aging_heatmap", lang))
        widgets.chart(
            heat,
            lambda d: charts.aging_heatmap(d, ORDER, axis),
            t("no_backlog", lang),
            key="heatmap_chart",
        )

    st.subheader(t("stuck", lang))
    controls.page_default("stuck_minutes", "stuck", _minutes, STUCK_DEFAULT)
    minutes = int(
        st.number_input(
            t("stuck_threshold", lang), min_value=0, max_value=100_000, step=5, key="stuck_minutes"
        )
    )
    controls.page_param("stuck", None if minutes == STUCK_DEFAULT else str(minutes))
    stuck = data.stuck(url, filters, minutes, view.now)
    if stuck.empty:
        st.success(t("no_stuck", lang, minutes=number(minutes, lang)))
    else:
        chosen = widgets.message_table(view, stuck, key="stuck_table")
        if chosen is not None:
            widgets.timeline(view, chosen["account"], chosen["request_id"], chosen["number"])

    st.subheader(t("time_to_final", lang))
    speed = data.time_to_final(url, filters)
    if speed.empty:
        st.info(t("no_messages_range", lang))
    else:
        figure = charts.time_to_final(safe.chart_column(speed, "gateway"), lang)
        st.plotly_chart(figure, width="stretch")
        st.dataframe(
            pd.DataFrame(
                {
                    t("gateway", lang): [safe.text(g) or "—" for g in speed["gateway"]],
                    t("measure", lang): [t(f"measure_{m}", lang) for m in speed["measure"]],
                    "p50 (s)": [number(v, lang) for v in speed["p50"]],
                    "p90 (s)": [number(v, lang) for v in speed["p90"]],
                    "p99 (s)": [number(v, lang) for v in speed["p99"]],
                    t("count", lang): [number(int(v), lang) for v in speed["messages"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )


controls.live(render)
