"""Messages page: a filterable, keyset-paginated table, a timeline, and the rows as CSV."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from typing import cast

import streamlit as st

from dashboard import controls, data, status, widgets
from dashboard.controls import View
from dashboard.formatting import as_code, number, plural, state_label
from dashboard.i18n import t
from db import codes
from db.read.messages import Finality, MessageQuery

FINALITY = ["all", "final", "not_final", "gave_up"]
CSV_LIMIT = int(os.environ.get("SMSDASH_CSV_LIMIT", "200000"))
FINALITY_LABELS = {"all": "all", "final": "final", "not_final": "pending", "gave_up": "gave_up"}
ALL = "all"
MAX_PAGE = 50  # a link to page N walks N-1 keyset pages: bounded


def _code(table: dict[int, codes.Code]) -> object:
    def parse(raw: str) -> int:
        value = int(raw)
        if value not in table:
            raise ValueError(raw)
        return value

    return parse


def _text(raw: str) -> str:
    if len(raw) > 64:
        raise ValueError(raw)
    return raw


def _finality(raw: str) -> str:
    if raw not in FINALITY:
        raise ValueError(raw)
    return raw


def _query(view: View) -> MessageQuery:
    lang = view.lang
    # "all", not None: Streamlit shows None as an empty box with an English placeholder.
    controls.page_default("m_state", "state", _code(codes.REQUEST_STATES), ALL)  # type: ignore[arg-type]
    controls.page_default("m_receipt", "receipt", _code(codes.RECEIPTS), ALL)  # type: ignore[arg-type]
    controls.page_default("m_finality", "finality", _finality, "all")
    controls.page_default("m_request", "request", _text, "")
    controls.page_default("m_number", "number", _text, "")
    cols = st.columns(5)
    chosen_state = cols[0].selectbox(
        t("request_states", lang),
        [ALL, *codes.REQUEST_STATES],
        format_func=lambda c: (
            t("all", lang) if c == ALL else state_label("request_state", int(c), lang)
        ),
        key="m_state",
    )
    chosen_receipt = cols[1].selectbox(
        t("receipts", lang),
        [ALL, *codes.RECEIPTS],
        format_func=lambda c: t("all", lang) if c == ALL else state_label("receipt", int(c), lang),
        key="m_receipt",
    )
    state = None if chosen_state == ALL else as_code(chosen_state)
    receipt = None if chosen_receipt == ALL else as_code(chosen_receipt)
    finality = cols[2].selectbox(
        t("finality", lang),
        FINALITY,
        key="m_finality",
        format_func=lambda f: t(FINALITY_LABELS[f], lang),
    )
    request_id = cols[3].text_input(t("request_id", lang), key="m_request", max_chars=64)
    whole = not view.numbers_allowed
    fragment = cols[4].text_input(
        t("number_whole" if whole else "number_fragment", lang),
        key="m_number",
        max_chars=40,
        help=t("number_whole_help", lang) if whole else None,
    )
    controls.page_param("state", None if state is None else str(state))
    controls.page_param("receipt", None if receipt is None else str(receipt))
    controls.page_param("finality", None if finality == "all" else finality)
    controls.page_param("request", request_id or None)
    controls.page_param("number", fragment or None)
    return MessageQuery(
        view.filters,
        state,
        receipt,
        cast(Finality, finality),
        request_id or None,
        fragment or None,
        whole_number=whole,
    )


def _wanted_page() -> int:
    try:
        return max(1, min(MAX_PAGE, int(st.query_params.get("page") or 1)))
    except ValueError:
        return 1


def _same_listing(
    old: MessageQuery | None,
    new: MessageQuery,
    old_span: timedelta | None,
    new_span: timedelta | None,
) -> bool:
    """Whether the page keys remembered for ``old`` (under ``old_span``) still serve ``new``."""
    if old == new:
        return True
    # Only the same preset range rolls on: another one (or a custom range before it) is a new
    # listing, where a key of page N may lie outside the range and leave the page empty.
    if old is None or new_span is None or new_span != old_span:
        return False
    # A preset range follows the clock in NOW_STEP steps. When only its ends moved on, a
    # key still marks the same place in the newest-first order: the reader stays on page N.
    same_range = replace(
        new, filters=replace(new.filters, start=old.filters.start, end=old.filters.end)
    )
    return same_range == old and new.filters.end >= old.filters.end


def render(view: View) -> None:
    lang, url = view.lang, data.url()
    st.header(t("messages", lang))
    status.show(view)
    query = _query(view)
    # Keyset pagination: remember the key of each page start; reset when the query changes.
    known, known_span = st.session_state.get("m_query"), st.session_state.get("m_span")
    st.session_state["m_span"], st.session_state["m_query"] = view.span, query
    if not _same_listing(known, query, known_span, view.span):
        st.session_state["m_pages"] = [None]
        if known is None:  # the first run: a shared link to page N opens page N
            for _ in range(_wanted_page() - 1):
                _rows, key = data.message_page(url, query, st.session_state["m_pages"][-1])
                if key is None:
                    break
                st.session_state["m_pages"].append(key)
    pages = st.session_state["m_pages"]
    controls.page_param("page", None if len(pages) == 1 else str(len(pages)))
    rows, next_key = data.message_page(url, query, pages[-1])
    total = data.message_count(url, query)
    st.caption(
        t("page_of", lang, page=number(len(pages), lang), messages=plural("messages", total, lang))
    )
    if rows.empty:
        filtered = any(
            (query.request_state, query.receipt_state, query.request_id, query.number)
        ) or (query.finality != "all")
        st.info(t("no_rows_filtered" if filtered else "no_messages_range", lang))
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
        nav[2].caption(t("csv_too_large", lang, n=number(CSV_LIMIT, lang)))
    else:
        nav[2].download_button(
            t("download_csv", lang),
            data=lambda: data.message_csv(url, query, view.show_numbers),
            file_name="smsdash-messages.csv",
            mime="text/csv",
            on_click="ignore",
        )


controls.live(render)
