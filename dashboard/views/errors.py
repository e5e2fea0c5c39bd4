"""Errors page: failed API calls over time by code, and a table with client and server apart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, controls, data, safe
from dashboard.controls import View
from dashboard.i18n import t
from db.codes import error_label


def _table(view: View, rows: pd.DataFrame) -> pd.DataFrame:
    lang = view.lang
    return pd.DataFrame(
        {
            t("code", lang): [
                f"{int(c)}" if pd.notna(c) else f
                for c, f in zip(rows["error_code"], rows["family"], strict=True)
            ],
            t("http_status", lang): [
                str(int(s)) if pd.notna(s) else "—" for s in rows["http_status"]
            ],
            t("meaning", lang): [
                error_label(int(c), lang)
                if pd.notna(c)
                else error_label(None, lang, int(s))
                if pd.notna(s) and int(s) == 503
                else f
                for c, s, f in zip(
                    rows["error_code"], rows["http_status"], rows["family"], strict=True
                )
            ],
            # Server-side failures (9xx, 503, timeouts, dropped or garbled answers) are retried.
            t("retryable", lang): [
                t("yes" if side == "server" else "no", lang) for side in rows["side"]
            ],
            t("calls", lang): rows["calls"],
            t("share", lang): [f"{v:.1%}" for v in rows["share"]],
            t("first_seen", lang): [view.local(v) for v in rows["first_seen"]],
            t("last_seen", lang): [view.local(v) for v in rows["last_seen"]],
        }
    )


def render(view: View) -> None:
    lang, url, filters = view.lang, data.url(), view.filters
    st.header(t("errors", lang))
    st.subheader(t("errors_over_time", lang))
    series = data.errors_over_time(url, filters, view.bucket, view.offset)
    if series.empty:
        st.success(t("no_errors", lang))
        return
    series = safe.chart_column(safe.chart_column(series, "family"), "outcome")
    st.plotly_chart(charts.errors_over_time(series, lang), width="stretch")
    st.subheader(t("error_table", lang))
    table = data.error_table(url, filters)
    for side, title in (("client", "client_errors"), ("server", "server_errors")):
        rows = table[table["side"] == side]
        st.markdown(f"**{t(title, lang)}**")
        if rows.empty:
            st.caption("—")
        else:
            st.dataframe(_table(view, rows), hide_index=True, width="stretch")


controls.live(render)
