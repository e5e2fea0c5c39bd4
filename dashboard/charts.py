"""Plotly figures from the small frames the queries return; no Streamlit, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go

from dashboard import palette
from dashboard.formatting import (
    as_code,
    code_meaning,
    code_name,
    family_label,
    message_kind,
    number,
    outcome,
)
from dashboard.i18n import t
from db import codes
from db.codes import Lang

# Plotly's separators: decimal mark, then thousands separator.
SEPARATORS = {"en": ".,", "cs": ", "}
DAY_MS = 86_400_000
TICKS = {
    "en": ("%H:%M<br>%-d %b", "%-d %b %Y"),
    "cs": ("%H:%M<br>%-d. %-m.", "%-d. %-m. %Y"),
}


@dataclass(frozen=True)
class Axis:
    """The time axis every chart of a page shares: zone, span and bucket width."""

    lang: Lang
    tz: ZoneInfo
    start: datetime
    end: datetime
    bucket: int

    def local(self, values: Any) -> pd.Series:
        """UTC instants as the zone's wall-clock time (Plotly draws naive times as given)."""
        series = pd.Series(pd.to_datetime(values, utc=True))
        return series.dt.tz_convert(self.tz).dt.tz_localize(None).reset_index(drop=True)

    def point(self, value: datetime) -> datetime:
        return value.astimezone(self.tz).replace(tzinfo=None)


def _layout(fig: go.Figure, lang: Lang, height: int = 340) -> go.Figure:
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25, "yanchor": "top"},
        height=height,
        separators=SEPARATORS[lang],
    )
    return fig


def _time(fig: go.Figure, axis: Axis) -> go.Figure:
    """The zone named on the axis, the whole span shown, ticks never finer than a second."""
    within_day, days = TICKS[axis.lang]
    fig.update_xaxes(
        type="date",
        title=t("time_axis", axis.lang, zone=axis.tz.key),
        range=[axis.point(axis.start), axis.point(axis.end)],
        tickformatstops=[
            # Ticks closer than a minute (a range of a few minutes) carry their seconds,
            # so no two read the same; never finer than a second.
            {"dtickrange": [None, 60_000], "value": within_day.replace("%H:%M", "%H:%M:%S")},
            {"dtickrange": [60_000, DAY_MS], "value": within_day},
            {"dtickrange": [DAY_MS, None], "value": days},
        ],
        hoverformat="%Y-%m-%d %H:%M",
    )
    return _counts(fig)


def _counts(fig: go.Figure) -> go.Figure:
    """Whole numbers on a count axis: small counts tick by one, never "1, 1, 2, 2"."""
    stacked = fig.layout.barmode == "stack" or any(
        getattr(trace, "stackgroup", None) for trace in fig.data
    )
    tops = [
        max((float(v) for v in trace.y if v is not None), default=0.0)
        for trace in fig.data
        if trace.type != "heatmap" and trace.y is not None
    ]
    # Stacked: the sum of the tallest of each trace is an upper bound of the tallest stack.
    top = sum(tops) if stacked else max(tops, default=0.0)
    fig.update_yaxes(rangemode="tozero", tickformat=",d", dtick=1 if top <= 6 else None)
    return fig


def _bars(axis: Axis) -> dict[str, Any]:
    # A bar fills its bucket from its start, whatever the number of buckets (even one).
    return {"width": axis.bucket * 1000 * 0.92, "offset": 0}


def distribution(data: pd.DataFrame, kind: str, lang: Lang) -> go.Figure:
    """One bar per code, named ("2 · delivered"), coloured by the one rule."""
    table = codes.RECEIPTS if kind == "receipt" else codes.REQUEST_STATES
    xs, colors, hovers = [], [], []
    for raw in data["code"]:
        code = None if pd.isna(raw) else int(raw)
        entry = table.get(code) if code is not None else None
        finality = t("unknown" if entry is None else "final" if entry.final else "non_final", lang)
        label = f"{code} · {code_name(kind, code, lang)}" if code is not None else "—"
        xs.append(label)
        colors.append(palette.code_color(kind, code))
        hovers.append(f"<b>{label}</b><br>{code_meaning(kind, code, lang)}<br>{finality}")
    fig = go.Figure(
        go.Bar(
            x=xs,
            y=data["messages"],
            marker_color=colors,
            hovertext=hovers,
            hovertemplate="%{hovertext}<br>%{y:,d}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title=t("code", lang), automargin=True)
    fig.update_yaxes(title=t("count", lang))
    return _layout(_counts(fig), lang)


def outcome_over_time(data: pd.DataFrame, axis: Axis) -> go.Figure:
    fig = go.Figure()
    x = axis.local(data["bucket"])
    for column, color in palette.OUTCOMES.items():
        fig.add_bar(
            x=x, y=data[column], name=t(column, axis.lang), marker_color=color, **_bars(axis)
        )
    fig.update_layout(barmode="stack")
    return _layout(_time(fig, axis), axis.lang)


def backlog_line(data: pd.DataFrame, axis: Axis) -> go.Figure:
    """The backlog at each moment, stacked by how those messages ended (or not yet)."""
    fig = go.Figure()
    x = axis.local(data["bucket"])
    single = len(data) == 1
    for column in ("pending", "gave_up", "failed", "delivered"):
        fig.add_scatter(
            x=x,
            y=data[column],
            mode="lines+markers" if single else "lines",
            line_shape="hv",
            stackgroup="backlog",
            name=t(f"ended_{column}", axis.lang),
            line_color=palette.OUTCOMES[column],
        )
    return _layout(_time(fig, axis), axis.lang)


def aging_bars(data: pd.DataFrame, order: list[str], lang: Lang) -> go.Figure:
    """Request states and receipts in two legend groups: their digits overlap."""
    fig = go.Figure()
    kinds, shown = [], []
    for r, c in zip(data["request_state"], data["receipt_state"], strict=True):
        kind = message_kind(as_code(r), as_code(c))
        kinds.append(kind)
        shown.append(as_code(r if kind == "request_state" else c))
    data = data.assign(kind=kinds, code=pd.array(shown, dtype="Int64"))
    for kind in ("request_state", "receipt"):
        rows = data[data["kind"] == kind]
        title = t("legend_request" if kind == "request_state" else "legend_receipt", lang)
        for code, group in rows.groupby("code", dropna=False, sort=True):
            value = as_code(code)
            sums = group.groupby("age")["messages"].sum().reindex(order, fill_value=0)
            name = f"{value} · {code_name(kind, value, lang)}" if value is not None else "—"
            fig.add_bar(
                x=order,
                y=sums.values,
                name=name,
                legendgroup=kind,
                legendgrouptitle_text=title,
                marker_color=palette.code_color(kind, value),
                hovertemplate=f"{title} {name}<br>%{{x}}: %{{y:,d}}<extra></extra>",
            )
    fig.update_layout(barmode="stack", legend={"traceorder": "grouped"})
    fig.update_xaxes(type="category", title=t("age", lang))
    fig.update_yaxes(title=t("count", lang))
    return _layout(_counts(fig), lang, height=420)


def aging_heatmap(data: pd.DataFrame, order: list[str], axis: Axis) -> go.Figure:
    grid = data.pivot_table(
        index="age", columns="bucket", values="messages", aggfunc="sum", fill_value=0
    ).reindex(order, fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=axis.local(list(grid.columns)),
            y=order,
            colorscale="YlOrRd",
            hovertemplate="%{x|%H:%M}<br>%{y}: %{z:,d}<extra></extra>",
            colorbar={
                "title": {"text": t("count", axis.lang)},
                "tickformat": ",d",
                "dtick": 1 if grid.values.max(initial=0) <= 6 else None,
            },
        )
    )
    fig.update_yaxes(title=t("age", axis.lang))
    _time(fig, axis)
    fig.update_yaxes(rangemode=None, tickformat=None, dtick=None)
    return _layout(fig, axis.lang, height=420)


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
            marker_color=palette.SPEED[name],
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="s", tickformat=",d", rangemode="tozero")
    return _layout(fig, lang)


def errors_over_time(data: pd.DataFrame, axis: Axis) -> go.Figure:
    """Stacked by family (9xx together); the exact codes are listed on hover."""
    lang = axis.lang
    fig = go.Figure()
    for family, group in data.groupby("family"):
        xs, ys, details = [], [], []
        for at, rows in group.groupby("bucket"):
            xs.append(at)
            ys.append(int(rows["calls"].sum()))
            details.append(
                ", ".join(
                    f"{int(c) if pd.notna(c) else outcome(o, lang)} ×{number(int(n), lang)}"
                    for c, o, n in zip(
                        rows["error_code"], rows["outcome"], rows["calls"], strict=True
                    )
                )
            )
        name = family_label(str(family), lang)
        fig.add_bar(
            x=axis.local(xs),
            y=ys,
            name=name,
            marker_color=palette.family_color(str(family)),
            hovertext=details,
            hovertemplate="%{x|%H:%M}<br>%{hovertext}<extra>" + name + "</extra>",
            **_bars(axis),
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("calls", lang))
    return _layout(_time(fig, axis), lang)


METHOD_SYMBOLS = {"RequestList": "circle", "RequestStatus": "diamond", "GetUserInfo": "square"}


def calls_over_time(data: pd.DataFrame, axis: Axis) -> go.Figure:
    """One line per method and outcome: colour by outcome, marker by method."""
    fig = go.Figure()
    for (method, result), group in data.groupby(["method", "outcome"]):
        fig.add_scatter(
            x=axis.local(group["bucket"]),
            y=group["calls"],
            mode="lines+markers",
            name=f"{method} · {outcome(str(result), axis.lang)}",
            line_color=palette.call_color(str(result)),
            marker_symbol=METHOD_SYMBOLS.get(str(method), "circle"),
            marker_size=8,
        )
    fig.update_yaxes(title=t("calls", axis.lang))
    return _layout(_time(fig, axis), axis.lang, height=380)


def credit_line(data: pd.DataFrame, axis: Axis) -> go.Figure:
    """The credit over time; one sample is a point on an axis around it, not a blank chart."""
    values = data["credit"].astype(float)
    fig = go.Figure(
        go.Scatter(
            x=axis.local(data["bucket"]),
            y=values,
            mode="lines+markers",
            name=t("credit", axis.lang),
            line_color=palette.CREDIT,
            hovertemplate="%{x|%H:%M}<br>%{y:,.2f}<extra></extra>",
        )
    )
    _time(fig, axis)
    low, high = float(values.min()), float(values.max())
    pad = max((high - low) * 0.1, abs(high) * 0.02, 1.0)
    fig.update_yaxes(
        title=t("credit", axis.lang),
        range=[low - pad, high + pad],
        rangemode=None,
        tickformat=",.0f" if high - low + 2 * pad >= 10 else ",.2f",
        dtick=None,
    )
    return _layout(fig, axis.lang)
