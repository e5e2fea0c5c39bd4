"""Pieces two pages share: a message table with a selectable row, and a message's timeline."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.controls import View
from dashboard.formatting import age_text, mask_number, message_state, state_label
from dashboard.i18n import t


def chart(view: View, data: pd.DataFrame, figure: Callable[[pd.DataFrame], go.Figure]) -> None:
    """A chart of the data, or a plain note when the range holds none."""
    if data.empty:
        st.info(t("no_rows", view.lang))
    else:
        st.plotly_chart(figure(data), width="stretch")


def message_table(view: View, rows: pd.DataFrame, key: str) -> pd.Series | None:
    """Show messages with masked numbers; return the selected row, if any."""
    lang = view.lang
    shown = pd.DataFrame(
        {
            t("request_id", lang): rows["request_id"],
            t("number", lang): [mask_number(n, view.show_numbers) for n in rows["number"]],
            t("sender", lang): rows["sender"],
            t("gateway", lang): rows["gateway"],
            t("state", lang): [
                message_state(r, c, lang)
                for r, c in zip(rows["request_state"], rows["receipt_state"], strict=True)
            ],
            t("first_seen", lang): [view.local(v) for v in rows["first_seen_at"]],
        }
    )
    if "age_seconds" in rows:
        shown[t("age", lang)] = [age_text(a) for a in rows["age_seconds"]]
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        on_select="rerun",
        selection_mode="single-row",
    )
    selected = event.selection.rows if event is not None else []
    return rows.iloc[selected[0]] if selected else None


def _code(value: object) -> int | None:
    # A column with a missing code comes back from pandas as floats with NaN.
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def timeline(view: View, account: str, request_id: str, number: str) -> None:
    lang = view.lang
    st.markdown(f"**{t('timeline', lang)}**")
    # The id is the gateway's opaque text: shown as text, never as markdown.
    st.text(f"{request_id} · {mask_number(number, view.show_numbers)}")
    changes = data.timeline(data.url(), account, request_id, number)
    if changes.empty:
        st.info(t("no_rows", lang))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("observed", lang): [view.local(v) for v in changes["observed_at"]],
                t("change", lang): [
                    f"{'request' if pd.isna(n) else kind}: "
                    f"{state_label(kind, _code(o), lang)} → {state_label(kind, _code(c), lang)}"
                    for kind, n, o, c in zip(
                        changes["kind"],
                        changes["number"],
                        changes["old_code"],
                        changes["new_code"],
                        strict=True,
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
