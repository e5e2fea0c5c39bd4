"""Collector health page: is it polling, how the API answers, and how long the credit lasts."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, controls, data, safe, status, widgets
from dashboard.controls import View
from dashboard.formatting import age_text, counts, detail_text, money, number, outcome, when
from dashboard.i18n import t
from db.codes import error_label

# Three empty pages, at least half of the status answers within the hour: not chance.
EMPTY_ALARM = 3


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("health", lang))
    status.show(view)
    if filters.sender or filters.gateway:
        st.info(t("calls_no_scope", lang))
    last = data.last_calls(url, filters.account)
    runway = data.runway(url, filters.account, view.now)
    cols = st.columns(3)
    if last.last_ok is not None:
        since = (view.now - last.last_ok).total_seconds()
        cols[0].metric(
            t("last_ok", lang),
            t("ago", lang, age=age_text(since)),
            help=t("last_ok_help", lang, when=when(last.last_ok, view.tz, lang)),
        )
    else:
        cols[0].metric(t("last_ok", lang), t("not_yet", lang))
    cols[1].metric(t("credit", lang), money(runway.credit, lang))
    if runway.hours_left is not None:
        lasts = age_text(runway.hours_left * 3600)
    elif runway.spend_per_hour == 0:
        lasts = t("runway_no_spend", lang)
    else:
        lasts = t("runway_unknown", lang)
    cols[2].metric(
        t("runway", lang),
        lasts,
        help=t("spend", lang, rate=money(runway.spend_per_hour or 0.0, lang)),
    )
    if last.status_empty >= EMPTY_ALARM and last.status_empty * 2 >= last.status_answered:
        st.warning(t("empty_status", lang, n=last.status_empty, of=last.status_answered))
    if last.last_error is not None:
        what = outcome(last.last_error_outcome, lang)
        if last.last_error_code is not None:
            what += f" · {last.last_error_code} {error_label(last.last_error_code, lang)}"
        detail = safe.text(detail_text(last.last_error_detail, lang))
        # Stored outcomes and details are outside text: plain text, never Markdown.
        line = (
            f"{t('last_error', lang)}: {when(last.last_error, view.tz, lang)} · {safe.text(what)}"
        )
        if detail and (lang == "en" or detail != safe.text(last.last_error_detail)):
            st.text(f"{line} · {detail}")
        else:
            st.text(line)
            if detail:
                # The collector's raw detail (an exception text) exists in English only.
                with st.expander(t("raw_detail", lang)):
                    st.text(detail)
    risks = data.write_risks(url)
    if risks:
        st.warning(t("can_write", lang))
        # Table names come from the database's catalogue: plain text.
        st.text("; ".join(safe.text(r, 60) for r in risks))

    axis = widgets.axis(view, data.first_call(url, filters))
    st.subheader(t("calls_over_time", lang))
    calls = data.calls_over_time(url, filters, axis.bucket, view.zone)
    calls = safe.chart_column(safe.chart_column(calls, "method"), "outcome")
    widgets.chart(
        calls, lambda d: charts.calls_over_time(d, axis), t("no_calls", lang), key="calls_chart"
    )
    left, right = st.columns(2)
    with left:
        st.subheader(t("latency", lang))
        latency = data.latency(url, filters)
        if latency.empty:
            st.info(t("no_calls", lang))
        else:
            st.dataframe(
                {
                    t("method", lang): list(latency["method"]),
                    "p50 (ms)": [number(v, lang) for v in latency["p50_ms"]],
                    "p95 (ms)": [number(v, lang) for v in latency["p95_ms"]],
                    t("calls", lang): counts(latency["calls"], lang),
                },
                hide_index=True,
                width="stretch",
            )
    with right:
        st.subheader(t("credit", lang))
        # Credit is sampled every few minutes, calls every few seconds: its own axis.
        credit = data.credit(url, filters, 60, view.zone)
        if not credit.empty:
            credit_axis = widgets.axis(view, credit["bucket"].min().to_pydatetime())
            credit = data.credit(url, filters, credit_axis.bucket, view.zone)
        widgets.chart(
            credit,
            lambda d: charts.credit_line(d, credit_axis),
            t("no_credit", lang),
            key="credit_chart",
        )


controls.live(render)
