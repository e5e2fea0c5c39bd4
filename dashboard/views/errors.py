"""Errors page: failed API calls over time by code, and a table with client and server apart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, controls, data, safe, status, widgets
from dashboard.controls import View
from dashboard.formatting import as_code, family_label, number, percent, when
from dashboard.i18n import t
from db.codes import error_label


def _meaning(code: object, http: object, family: str, view: View) -> str:
    if (value := as_code(code)) is not None:
        return error_label(value, view.lang)
    if as_code(http) == 503:
        return error_label(None, view.lang, 503)
    return family_label(family, view.lang)


def _table(view: View, rows: pd.DataFrame) -> pd.DataFrame:
    lang = view.lang
    return pd.DataFrame(
        {
            t("code", lang): [
                f"{int(c)}" if pd.notna(c) else family_label(f, lang)
                for c, f in zip(rows["error_code"], rows["family"], strict=True)
            ],
            t("http_status", lang): [
                str(int(s)) if pd.notna(s) else "—" for s in rows["http_status"]
            ],
            t("meaning", lang): [
                _meaning(c, s, f, view)
                for c, s, f in zip(
                    rows["error_code"], rows["http_status"], rows["family"], strict=True
                )
            ],
            # Server-side failures (9xx, 503, timeouts, dropped or garbled answers) are retried.
            t("retryable", lang): [
                t("yes" if side == "server" else "no", lang) for side in rows["side"]
            ],
            t("calls", lang): [number(int(n), lang) for n in rows["calls"]],
            t("share", lang): [percent(v, lang) for v in rows["share"]],
            t("first_seen", lang): [when(v, view.tz, lang) for v in rows["first_seen"]],
            t("last_seen", lang): [when(v, view.tz, lang) for v in rows["last_seen"]],
        }
    )


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("errors", lang))
    status.show(view)
    if filters.sender or filters.gateway:
        st.info(t("calls_no_scope", lang))
    st.subheader(t("errors_over_time", lang))
    axis = widgets.axis(view, data.first_call(url, filters))
    series = data.errors_over_time(url, filters, axis.bucket, view.zone)
    if series.empty:
        st.success(t("no_errors", lang))
        return
    series = safe.chart_column(safe.chart_column(series, "family"), "outcome")
    st.plotly_chart(charts.errors_over_time(series, axis), width="stretch", key="errors_chart")
    st.subheader(t("error_table", lang))
    table = data.error_table(url, filters)
    sides = (
        ("client", "client_errors", "no_client_errors"),
        ("server", "server_errors", "no_server_errors"),
    )
    for side, title, empty in sides:
        rows = table[table["side"] == side]
        st.markdown(f"**{t(title, lang)}**")
        if rows.empty:
            st.success(t(empty, lang))
        else:
            # A data frame, not st.table: st.table renders its cells as Markdown, and the
            # meanings come from the database's code tables.
            st.dataframe(_table(view, rows), hide_index=True, width="stretch")


controls.live(render)
