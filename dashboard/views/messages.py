"""Messages page: a filterable, keyset-paginated table, a timeline, and the rows as CSV."""

from __future__ import annotations

import os
from typing import cast

import streamlit as st

from dashboard import controls, data, widgets
from dashboard.controls import View
from dashboard.formatting import state_label
from dashboard.i18n import t
from db import codes
from db.read.messages import Finality, MessageQuery

FINALITY = ["all", "final", "not_final", "gave_up"]
CSV_LIMIT = int(os.environ.get("SMSDASH_CSV_LIMIT", "200000"))
FINALITY_LABELS = {"all": "all", "final": "final", "not_final": "pending", "gave_up": "gave_up"}


def _query(view: View) -> MessageQuery:
    lang = view.lang
    cols = st.columns(5)
    state = cols[0].selectbox(
        t("request_states", lang),
        [None, *codes.REQUEST_STATES],
        format_func=lambda c: (
            t("all", lang) if c is None else state_label("request_state", c, lang)
        ),
        key="m_state",
    )
    receipt = cols[1].selectbox(
        t("receipts", lang),
        [None, *codes.RECEIPTS],
        format_func=lambda c: t("all", lang) if c is None else state_label("receipt", c, lang),
        key="m_receipt",
    )
    finality = cols[2].selectbox(
        t("finality", lang),
        FINALITY,
        key="m_finality",
        format_func=lambda f: t(FINALITY_LABELS[f], lang),
    )
    request_id = cols[3].text_input(t("request_id", lang), key="m_request", max_chars=64)
    number = cols[4].text_input(t("number_fragment", lang), key="m_number")
    return MessageQuery(
        view.filters, state, receipt, cast(Finality, finality), request_id or None, number or None
    )


def render(view: View) -> None:
    lang, url = view.lang, data.url()
    st.header(t("messages", lang))
    query = _query(view)
    # Keyset pagination: remember the key of each page start; reset when the query changes.
    if st.session_state.get("m_query") != query:
        st.session_state["m_query"] = query
        st.session_state["m_pages"] = [None]
    pages = st.session_state["m_pages"]
    rows, next_key = data.message_page(url, query, pages[-1])
    total = data.message_count(url, query)
    st.caption(t("rows", lang, n=f"{total:,}") + f" · {len(pages)}")
    if rows.empty:
        st.info(t("no_rows", lang))
    else:
        chosen = widgets.message_table(view, rows, key=f"m_table_{len(pages)}")
        if chosen is not None:
            widgets.timeline(view, chosen["account"], chosen["request_id"], chosen["number"])
    nav = st.columns(3)
    if nav[0].button(t("first_page", lang), disabled=len(pages) == 1):
        st.session_state["m_pages"] = [None]
        st.rerun()
    if nav[1].button(t("next_page", lang), disabled=next_key is None):
        pages.append(next_key)
        st.rerun()
    if total > CSV_LIMIT:
        # The file is built in memory for the browser: past this size, SQL is the better tool.
        nav[2].caption(t("csv_too_large", lang, n=f"{CSV_LIMIT:,}"))
    else:
        nav[2].download_button(
            t("download_csv", lang),
            data=lambda: data.message_csv(url, query),
            file_name="smsdash-messages.csv",
            mime="text/csv",
            on_click="ignore",
        )


controls.live(render)
