"""Alerts page: what fires now against its threshold, past episodes, failed notifications, rules."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import alerts_data, controls, data
from dashboard.controls import View
from dashboard.formatting import age_text
from dashboard.i18n import t
from db.codes import Lang

DURATIONS = ("for", "resolve_after", "window", "age", "runway", "after")
UNITS = {
    "delivery_rate": ("{:.0f} %", "< {:.0f} %"),
    "api_errors": ("{:.0f} %", "> {:.0f} %"),
    "stuck": ("{:.0f}", "≥ {:.0f}"),
    "collector_stale": ("{:.0f} min", "> {:.0f} min"),
    "credit": ("{:,.2f}", "< {:,.2f}"),
    "api_key": ("103", ""),
}


def rule_name(rule: str, lang: Lang) -> str:
    try:
        return t(f"rule_{rule}", lang)
    except KeyError:
        return rule


def _figure(rule: str, value: float | None, which: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    pattern = UNITS.get(rule, ("{:g}", "{:g}"))[which]
    return pattern.format(value) if pattern else "—"


def _settings(values: dict[str, object]) -> str:
    parts = []
    for name, value in sorted(values.items()):
        if name in DURATIONS and isinstance(value, int | float):
            shown = age_text(value) if value else "0"
        else:
            shown = str(value)
        parts.append(f"{name} = {shown}")
    return ", ".join(parts)


def _now_table(view: View, rows: pd.DataFrame) -> pd.DataFrame:
    lang = view.lang
    return pd.DataFrame(
        {
            t("rule", lang): [rule_name(r, lang) for r in rows["rule"]],
            t("scope", lang): [k or t("all", lang) for k in rows["key"]],
            t("status", lang): [
                t("firing" if s == "firing" else "pending_alert", lang) for s in rows["status"]
            ],
            t("since", lang): [view.local(None if pd.isna(s) else s) for s in rows["since"]],
            t("value", lang): [
                _figure(r, v, 0) for r, v in zip(rows["rule"], rows["value"], strict=True)
            ],
            t("threshold", lang): [
                _figure(r, v, 1) for r, v in zip(rows["rule"], rows["threshold"], strict=True)
            ],
            t("details", lang): rows["text"].fillna(""),
        }
    )


def _history_table(view: View, rows: pd.DataFrame) -> pd.DataFrame:
    lang = view.lang
    return pd.DataFrame(
        {
            t("rule", lang): [rule_name(r, lang) for r in rows["rule"]],
            t("scope", lang): [k or t("all", lang) for k in rows["key"]],
            t("started", lang): [view.local(s) for s in rows["started_at"]],
            t("resolved", lang): [
                t("still_firing", lang) if pd.isna(r) else view.local(r)
                for r in rows["resolved_at"]
            ],
            t("sent", lang): rows["sent"].astype(int),
            t("failed_n", lang): rows["failed"].astype(int),
            t("waiting", lang): rows["waiting"].astype(int),
            t("skipped", lang): rows["skipped"].astype(int),
            t("details", lang): rows["text"],
        }
    )


def render(view: View) -> None:
    lang, url = view.lang, data.url()
    account = view.filters.account
    st.header(t("alerts", lang))

    st.subheader(t("alerts_now", lang))
    now = alerts_data.active(url, account)
    if now.empty:
        st.success(t("alerts_none", lang))
    else:
        st.dataframe(_now_table(view, now), hide_index=True, width="stretch")

    failed = alerts_data.failed_notifications(url, account)
    if not failed.empty:
        st.warning(t("alerts_failed", lang, n=len(failed)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("created", lang): [view.local(c) for c in failed["created_at"]],
                    t("kind", lang): failed["kind"],
                    t("target", lang): failed["target"],
                    t("status", lang): failed["status"],
                    t("attempts", lang): failed["attempts"],
                    t("error", lang): failed["error"],
                }
            ),
            hide_index=True,
            width="stretch",
        )

    st.subheader(t("alerts_history", lang))
    history = alerts_data.episodes(url, account)
    if history.empty:
        st.info(t("alerts_history_none", lang))
    else:
        st.dataframe(_history_table(view, history), hide_index=True, width="stretch")

    st.subheader(t("alerts_rules", lang))
    rules = alerts_data.rules(url, account)
    if rules.empty:
        st.info(t("alerts_rules_none", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("account", lang): rules["account"],
                    t("rule", lang): [rule_name(r, lang) for r in rules["rule"]],
                    t("enabled", lang): [t("yes" if e else "no", lang) for e in rules["enabled"]],
                    t("settings", lang): [_settings(s) for s in rules["settings"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )


controls.live(render)
