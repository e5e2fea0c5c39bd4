"""Figures of the Insights page."""

from __future__ import annotations

from datetime import tzinfo

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import t
from db.codes import Lang

HOVER = "%{y:.1%} (%{customdata[0]} / %{customdata[1]})<extra>%{fullData.name}</extra>"


def coverage_by_day(days: pd.DataFrame, lang: Lang, tz: tzinfo) -> go.Figure:
    """Receipt coverage per day, a bar per gateway (a range of a day or two is one bar)."""
    figure = go.Figure()
    for gateway, rows in days.groupby("gateway", sort=True):
        figure.add_trace(
            go.Bar(
                x=[d.astimezone(tz).strftime("%Y-%m-%d") for d in rows["day"]],
                y=rows["coverage"],
                name=str(gateway) or "—",
                customdata=rows[["covered", "sent"]],
                hovertemplate=HOVER,
            )
        )
    figure.update_layout(
        yaxis={"title": t("ins_coverage", lang), "tickformat": ".0%", "range": [0, 1.05]},
        xaxis={"title": None, "type": "category"},
        barmode="group",
        legend={"title": t("gateway", lang)},
        margin={"t": 10},
        height=320,
    )
    return figure


def completion_curves(request: pd.DataFrame, cohort: pd.DataFrame, lang: Lang) -> go.Figure:
    """The request's share of final numbers by minute, and its cohort's beside it."""
    figure = go.Figure()
    for frame, name, dash in (
        (request, t("ins_curve_request", lang), "solid"),
        (cohort, t("ins_curve_cohort", lang), "dot"),
    ):
        if len(frame):
            figure.add_trace(
                go.Scatter(
                    x=frame["minutes"],
                    y=frame["share"],
                    mode="lines",
                    line={"shape": "hv", "dash": dash},
                    name=name,
                    hovertemplate="%{x:.1f} min: %{y:.1%}<extra>%{fullData.name}</extra>",
                )
            )
    figure.update_layout(
        xaxis={"title": t("ins_minutes", lang), "rangemode": "tozero"},
        yaxis={"title": t("ins_final_share", lang), "tickformat": ".0%", "range": [0, 1.05]},
        margin={"t": 10},
        height=320,
    )
    return figure
