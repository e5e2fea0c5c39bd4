"""Pieces the pages share: a page's time axis, charts with their empty state, message tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, safe
from dashboard.charts import Axis
from dashboard.controls import View
from dashboard.formatting import age_text, as_code, code_name, mask_number, message_state, when
from dashboard.i18n import t
from db.read.buckets import buckets

# (largest span of data in seconds, bucket seconds): a young database shows minutes.
STEPS = ((2 * 3600, 60), (12 * 3600, 300), (4 * 86400, 3600))


def bucket_for(span: float) -> int:
    for limit, step in STEPS:
        if span <= limit:
            return step
    return 86400


def axis(view: View, first: datetime | None) -> Axis:
    """Buckets from the range and the data's span; the axis starts where the data does."""
    filters = view.filters
    start = filters.start
    if first is not None and first > start:
        span = (filters.end - first).total_seconds()
        step = min(view.bucket, bucket_for(span))
        at = buckets(filters, step, view.zone).start_of(int(first.timestamp()))
        start = max(start, datetime.fromtimestamp(at, UTC))
    else:
        step = view.bucket
    return Axis(view.lang, view.tz, start, filters.end, step)


def chart(
    data: pd.DataFrame, figure: Callable[[pd.DataFrame], go.Figure], empty: str, key: str
) -> None:
    """A chart of the data, or a note that says why there is none."""
    if data.empty:
        st.info(empty)
    else:
        st.plotly_chart(figure(data), width="stretch", key=key)


def message_table(
    view: View,
    rows: pd.DataFrame,
    key: str,
    extra: dict[str, list[str]] | None = None,
    first_seen: bool = True,
    config: dict[str, Any] | None = None,
) -> pd.Series | None:
    """Show messages with masked numbers (``extra`` columns after them); return the selected
    row, if any. ``config``: Streamlit column settings by label (e.g. a header's tooltip)."""
    lang = view.lang
    shown = pd.DataFrame(
        {
            t("request_id", lang): [safe.text(v) for v in rows["request_id"]],
            t("number", lang): [
                safe.text(mask_number(n, view.show_numbers)) for n in rows["number"]
            ],
            t("sender", lang): [safe.text(v) or "—" for v in rows["sender"]],
            t("gateway", lang): [safe.text(v) or "—" for v in rows["gateway"]],
            t("state", lang): [
                message_state(as_code(r), as_code(c), lang)
                for r, c in zip(rows["request_state"], rows["receipt_state"], strict=True)
            ],
        }
    )
    if first_seen:
        shown[t("first_seen", lang)] = [when(v, view.tz, lang) for v in rows["first_seen_at"]]
    if "age_seconds" in rows:
        shown[t("age", lang)] = [age_text(a) for a in rows["age_seconds"]]
    for label, values in (extra or {}).items():
        shown[label] = values
    st.caption(t("select_message", lang))
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
    )
    selected = event.selection.rows if event is not None else []
    return rows.iloc[selected[0]] if selected else None


def timeline_rows(view: View, changes: pd.DataFrame) -> pd.DataFrame:
    """One row per change, in words; the request's own and the number's changes apart."""
    lang = view.lang
    seen: set[tuple[object, ...]] = set()
    rows = []
    for at, kind, owner, old, new in zip(
        changes["observed_at"],
        changes["kind"],
        changes["number"],
        changes["old_code"],
        changes["new_code"],
        strict=True,
    ):
        before, after = as_code(old), as_code(new)
        whole = owner is None or pd.isna(owner)
        key = (at, kind, whole, before, after)
        if key in seen:  # a change read twice (e.g. two polls writing the same instant)
            continue
        seen.add(key)
        what = "whole_request" if whole else f"{kind}_kind"
        rows.append(
            {
                t("observed", lang): when(at, view.tz, lang),
                t("what", lang): t(what, lang),
                t("from_state", lang): t("first_state", lang)
                if before is None
                else f"{before} · {code_name(kind, before, lang)}",
                t("to_state", lang): f"{after} · {code_name(kind, after, lang)}"
                if after is not None
                else t("no_code", lang),
            }
        )
    return pd.DataFrame(rows)


def timeline(view: View, account: str, request_id: str, number: str) -> None:
    lang = view.lang
    st.markdown(f"**{t('timeline', lang)}**")
    # Request ids and numbers came from the gateway: plain text, never Markdown.
    st.text(f"{safe.text(request_id)} · {safe.text(mask_number(number, view.show_numbers))}")
    changes = data.timeline(data.url(), account, request_id, number)
    if changes.empty:
        st.info(t("no_timeline", lang))
        return
    st.dataframe(timeline_rows(view, changes), hide_index=True, width="stretch")
