"""Alerts page: what fires now against its threshold, past episodes, failed notifications, rules."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import alerts_data, controls, data, safe, status
from dashboard.controls import View
from dashboard.formatting import age_text, money, number
from dashboard.i18n import t
from db.codes import Lang

DURATIONS = ("for", "resolve_after", "window", "age", "runway", "after")
# The sign before a threshold and the unit after a figure, per rule.
SIGNS = {"delivery_rate": "<", "api_errors": ">", "stuck": "≥", "collector_stale": ">"}
UNITS = {"delivery_rate": " %", "api_errors": " %", "collector_stale": " min"}


def rule_name(rule: str, lang: Lang) -> str:
    try:
        return t(f"rule_{rule}", lang)
    except KeyError:
        return rule


def _figure(rule: str, value: float | None, threshold: bool, lang: Lang) -> str:
    """A value or threshold in the page's language (Babel's separators)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if rule == "api_key":
        return "—" if threshold else "103"
    if rule == "credit":
        return ("< " if threshold else "") + money(value, lang)
    shown = number(value, lang) + UNITS.get(rule, "")
    return f"{SIGNS[rule]} {shown}" if threshold and rule in SIGNS else shown


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
            t("scope", lang): [safe.text(k) or t("all", lang) for k in rows["key"]],
            t("status", lang): [
                t("firing" if s == "firing" else "pending_alert", lang) for s in rows["status"]
            ],
            t("since", lang): [view.local(None if pd.isna(s) else s) for s in rows["since"]],
            t("value", lang): [
                _figure(r, v, False, lang) for r, v in zip(rows["rule"], rows["value"], strict=True)
            ],
            t("threshold", lang): [
                _figure(r, v, True, lang)
                for r, v in zip(rows["rule"], rows["threshold"], strict=True)
            ],
            t("details", lang): rows["text"].fillna(""),
        }
    )


def _history_table(view: View, rows: pd.DataFrame) -> pd.DataFrame:
    lang = view.lang
    return pd.DataFrame(
        {
            t("rule", lang): [rule_name(r, lang) for r in rows["rule"]],
            t("scope", lang): [safe.text(k) or t("all", lang) for k in rows["key"]],
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
    status.show(view)

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
