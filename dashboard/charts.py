"""Plotly figures from the small frames the queries return; no Streamlit, no database."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.formatting import message_state
from dashboard.i18n import t
from db import codes
from db.codes import Lang

FINAL_COLOR = "#2e7d32"
FAILED_COLOR = "#c62828"
NON_FINAL_COLOR = "#f9a825"
UNKNOWN_COLOR = "#757575"
OUTCOME_COLORS = {
    "delivered": FINAL_COLOR,
    "failed": FAILED_COLOR,
    "pending": NON_FINAL_COLOR,
    "gave_up": UNKNOWN_COLOR,
}


def _layout(fig: go.Figure, title: str | None = None) -> go.Figure:
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title=title,
        legend={"orientation": "h", "y": -0.2},
        height=340,
    )
    return fig


def distribution(data: pd.DataFrame, kind: str, lang: Lang) -> go.Figure:
    """One bar per code; final, non-final and unknown codes in different colours."""
    table = codes.RECEIPTS if kind == "receipt" else codes.REQUEST_STATES
    xs, colors, hovers = [], [], []
    for code in data["code"]:
        entry = table.get(int(code)) if pd.notna(code) else None
        label = codes.receipt_label if kind == "receipt" else codes.request_state_label
        meaning = label(None if pd.isna(code) else int(code), lang)
        if entry is None:
            colors.append(UNKNOWN_COLOR)
            finality = t("unknown", lang)
        elif entry.final:
            success = kind == "receipt" and entry.code == codes.RECEIPT_SUCCESS
            failure = kind == "receipt" or entry.code != 2
            colors.append(FINAL_COLOR if success or not failure else FAILED_COLOR)
            finality = t("final", lang)
        else:
            colors.append(NON_FINAL_COLOR)
            finality = t("non_final", lang)
        code_text = "—" if pd.isna(code) else str(int(code))
        name = entry.name if entry and entry.name else ""
        xs.append(f"{code_text} {name}".strip())
        hovers.append(f"<b>{code_text}</b> {name}<br>{meaning}<br>{finality}")
    fig = go.Figure(
        go.Bar(
            x=xs,
            y=data["messages"],
            marker_color=colors,
            hovertext=hovers,
            hovertemplate="%{hovertext}<br>%{y}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title=t("code", lang))
    fig.update_yaxes(title=t("count", lang))
    return _layout(fig)


def outcome_over_time(data: pd.DataFrame, lang: Lang) -> go.Figure:
    fig = go.Figure()
    for column, color in OUTCOME_COLORS.items():
        fig.add_bar(x=data["bucket"], y=data[column], name=t(column, lang), marker_color=color)
    fig.update_layout(barmode="stack")
    return _layout(fig)


def backlog_line(data: pd.DataFrame, lang: Lang) -> go.Figure:
    """The backlog at each moment, stacked by how those messages ended (or not yet)."""
    fig = go.Figure()
    for column in ("pending", "gave_up", "failed", "delivered"):
        fig.add_scatter(
            x=data["bucket"],
            y=data[column],
            mode="lines",
            line_shape="hv",
            stackgroup="backlog",
            name=t(f"ended_{column}", lang),
            line_color=OUTCOME_COLORS[column],
        )
    return _layout(fig)


def aging_bars(data: pd.DataFrame, order: list[str], lang: Lang) -> go.Figure:
    fig = go.Figure()
    labels = [
        message_state(r, c, lang)
        for r, c in zip(data["request_state"], data["receipt_state"], strict=True)
    ]
    data = data.assign(state=labels)
    for state, group in data.groupby("state"):
        sums = group.groupby("age")["messages"].sum().reindex(order, fill_value=0)
        fig.add_bar(x=order, y=sums.values, name=str(state))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title=t("age", lang))
    return _layout(fig)


def aging_heatmap(data: pd.DataFrame, order: list[str], lang: Lang) -> go.Figure:
    grid = data.pivot_table(
        index="age", columns="bucket", values="messages", aggfunc="sum", fill_value=0
    ).reindex(order, fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=list(grid.columns),
            y=order,
            colorscale="YlOrRd",
            hovertemplate="%{x}<br>%{y}: %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(title=t("age", lang))
    return _layout(fig)


def time_to_final(data: pd.DataFrame, lang: Lang) -> go.Figure:
    fig = go.Figure()
    for name in ("p50", "p90", "p99"):
        fig.add_bar(
            x=[
                f"{g or '—'} · {t('measure_' + m, lang)}"
                for g, m in zip(data["gateway"], data["measure"], strict=True)
            ],
            y=data[name],
            name=name,
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="s")
    return _layout(fig)


def errors_over_time(data: pd.DataFrame, lang: Lang) -> go.Figure:
    """Stacked by family (9xx together); the exact codes are listed on hover."""
    fig = go.Figure()
    for family, group in data.groupby("family"):
        xs, ys, details = [], [], []
        for when, rows in group.groupby("bucket"):
            xs.append(when)
            ys.append(int(rows["calls"].sum()))
            details.append(
                ", ".join(
                    f"{int(c) if pd.notna(c) else o} ×{n}"
                    for c, o, n in zip(
                        rows["error_code"], rows["outcome"], rows["calls"], strict=True
                    )
                )
            )
        fig.add_bar(
            x=xs,
            y=ys,
            name=str(family),
            hovertext=details,
            hovertemplate="%{x}<br>%{hovertext}<extra>" + str(family) + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("calls", lang))
    return _layout(fig)


def calls_over_time(data: pd.DataFrame, lang: Lang) -> go.Figure:
    fig = go.Figure()
    for (method, outcome), group in data.groupby(["method", "outcome"]):
        fig.add_scatter(
            x=group["bucket"], y=group["calls"], mode="lines+markers", name=f"{method} · {outcome}"
        )
    fig.update_yaxes(title=t("calls", lang))
    return _layout(fig)


def credit_line(data: pd.DataFrame, lang: Lang) -> go.Figure:
    fig = go.Figure(
        go.Scatter(x=data["bucket"], y=data["credit"], mode="lines", name=t("credit", lang))
    )
    fig.update_yaxes(title=t("credit", lang))
    return _layout(fig)
