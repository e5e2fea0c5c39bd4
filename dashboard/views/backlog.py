"""Backlog page: what is not final yet, how old it is, what is stuck or late for its kind,
how long final takes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, controls, data, safe, status, widgets
from dashboard.controls import View
from dashboard.formatting import counts, delta_count, late_limit, number, when
from dashboard.i18n import t
from db.cohorts import BASELINE, MIN_SAMPLES
from db.read.ages import AGE_BUCKETS

ORDER = [label for label, _limit in AGE_BUCKETS]
STUCK_DEFAULT = 30


def _minutes(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 100_000:
        raise ValueError(raw)
    return value


def _late(view: View) -> None:
    """Messages older than their kind (gateway x sender) usually takes, and how many."""
    lang = view.lang
    st.subheader(t("ins_late_title", lang))
    st.caption(t("ins_late_help", lang, days=BASELINE.days, samples=MIN_SAMPLES))
    minutes = int(
        st.number_input(
            t("ins_late_fallback", lang), min_value=1, value=30, step=5, key="late_minutes"
        )
    )
    rows, total, earlier = data.late_messages(data.url(), view.filters, minutes, view.now)
    then = view.now - (view.filters.end - view.filters.start)
    st.metric(
        t("ins_late_kpi", lang),
        number(total, lang),
        delta_count(total, earlier, lang),
        delta_color="inverse",
        help=t("ins_late_delta", lang, n=number(earlier, lang), at=when(then, view.tz, lang)),
    )
    if rows.empty:
        st.success(t("ins_late_none", lang))
        return
    ages, limits = rows["age_seconds"], rows["limit_seconds"]
    extra = {
        t("ins_late_limit", lang): [
            late_limit(s, own, lang) for s, own in zip(limits, rows["cohort"], strict=True)
        ],
        t("ins_late_ratio", lang): [
            f"× {number(a / max(s, 1), lang, 1)}" for a, s in zip(ages, limits, strict=True)
        ],
    }
    ratio = t("ins_late_ratio", lang)
    config = {ratio: st.column_config.TextColumn(ratio, help=t("ins_late_ratio_help", lang))}
    # Without the first-seen time (the age says it, the row's timeline gives it to the second)
    # the list fits 1280 px beside the sidebar, in Czech too.
    chosen = widgets.message_table(
        view, rows, key="late_table", extra=extra, first_seen=False, config=config
    )
    if chosen is not None:
        widgets.timeline(view, chosen["account"], chosen["request_id"], chosen["number"])


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

    _late(view)

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
                    t("count", lang): counts(speed["messages"], lang),
                }
            ),
            hide_index=True,
            width="stretch",
        )


controls.live(render)
