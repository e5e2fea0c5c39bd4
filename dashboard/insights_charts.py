"""Figures of the Insights page."""

from __future__ import annotations

from datetime import tzinfo

import pandas as pd
import plotly.graph_objects as go

from dashboard import safe
from dashboard.i18n import t
from dashboard.palette import gateway_color
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
                name=safe.chart(gateway) or "—",
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


def completion_curves(
    request: pd.DataFrame, cohort: pd.DataFrame, lang: Lang, median: pd.DataFrame | None = None
) -> go.Figure:
    """The request's share of final numbers by minute, and its cohort's beside it: the median
    request's curve and all the cohort's numbers pooled."""
    figure = go.Figure()
    for frame, name, dash in (
        (request, t("ins_curve_request", lang), "solid"),
        (
            median if median is not None else request.iloc[:0],
            t("ins_curve_cohort_median", lang),
            "dash",
        ),
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


def gateway_curves(curves: pd.DataFrame, lang: Lang) -> go.Figure:
    """Per gateway, the median request's completion curve (solid) and the p90 one (dotted)."""
    figure = go.Figure()
    for index, (gateway, rows) in enumerate(curves.groupby("gateway", sort=True)):
        name = safe.chart(gateway) or "—"
        for column, label, dash in (
            ("median_seconds", t("ins_median", lang), "solid"),
            ("p90_seconds", t("ins_p90", lang), "dot"),
        ):
            reached = rows[rows[column].notna()].sort_values("level")
            if reached.empty:
                continue
            figure.add_trace(
                go.Scatter(
                    # from (0, 0): flat until the first level's time, then up to it
                    x=[0.0, *(float(s) / 60 for s in reached[column])],
                    y=[0.0, *reached["level"]],
                    mode="lines+markers",
                    line={"shape": "hv", "dash": dash, "color": gateway_color(index)},
                    marker={"size": 5},
                    name=f"{name} · {label}",
                    legendgroup=name,
                    hovertemplate="%{y:.0%} ≤ %{x:.1f} min<extra>%{fullData.name}</extra>",
                )
            )
    figure.update_layout(
        xaxis={"title": t("ins_minutes", lang), "rangemode": "tozero"},
        yaxis={"title": t("ins_final_share", lang), "tickformat": ".0%", "range": [0, 1.05]},
        legend={"title": t("gateway", lang)},
        margin={"t": 10},
        height=360,
    )
    return figure
