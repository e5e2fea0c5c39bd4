"""Insights page: messages late for their kind, receipt coverage, the outcome mix week on week."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import controls, data, insights_charts, insights_data, safe, widgets
from dashboard.controls import View
from dashboard.formatting import age_text, mask_number, message_state, percent, state_label
from dashboard.i18n import t
from db.read import late, significance
from db.read.insights import coverage_by_gateway


def _coverage(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_coverage_title", lang))
    st.caption(t("ins_coverage_help", lang))
    days = insights_data.receipt_coverage(data.url(), view.filters, view.zone)
    if days.empty:
        st.info(t("no_rows", lang))
        return
    totals = coverage_by_gateway(days)
    st.dataframe(
        pd.DataFrame(
            {
                t("gateway", lang): [safe.text(g) or "—" for g in totals["gateway"]],
                t("ins_sent", lang): totals["sent"],
                t("ins_covered", lang): totals["covered"],
                t("ins_coverage", lang): [percent(v, lang) for v in totals["coverage"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    widgets.chart(
        days,
        lambda d: insights_charts.coverage_by_day(d, lang, view.tz),
        t("no_rows", lang),
        key="coverage_chart",
    )


def _shift(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_shift_title", lang))
    st.caption(
        t(
            "ins_shift_help",
            lang,
            alpha=significance.ALPHA,
            period=significance.MIN_PERIOD,
            outcome=significance.MIN_OUTCOME,
        )
    )
    table = insights_data.outcome_shift(data.url(), view.filters)
    if table.empty:
        st.info(t("no_rows", lang))
        return

    def share(value: float | None) -> str:
        return "—" if value is None or pd.isna(value) else percent(value, lang)

    st.dataframe(
        pd.DataFrame(
            {
                t("ins_outcome", lang): [
                    state_label(str(k), int(c), lang)
                    for k, c in zip(table["kind"], table["code"], strict=True)
                ],
                t("ins_now", lang): table["now"],
                t("ins_share_now", lang): [share(v) for v in table["share_now"]],
                t("ins_before", lang): table["before"],
                t("ins_share_before", lang): [share(v) for v in table["share_before"]],
                t("ins_change", lang): [
                    "—" if pd.isna(v) else f"{v:+.1f} pp" for v in table["change_pp"]
                ],
                "p": ["—" if pd.isna(p) else f"{p:.2g}" for p in table["p_value"]],
                t("ins_flag", lang): [
                    t("ins_flagged", lang) if f else "" for f in table["flagged"]
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    flagged = int(table["flagged"].sum())
    if flagged:
        st.warning(t("ins_shift_found", lang, n=flagged))
    else:
        st.success(t("ins_shift_none", lang))


def _late(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_late_title", lang))
    st.caption(t("ins_late_help", lang, days=late.BASELINE.days, samples=late.MIN_SAMPLES))
    minutes = int(
        st.number_input(
            t("ins_late_fallback", lang), min_value=1, value=30, step=5, key="late_minutes"
        )
    )
    rows, total, earlier = insights_data.late_messages(data.url(), view.filters, minutes, view.now)
    st.metric(
        t("ins_late_kpi", lang),
        total,
        delta=total - earlier,
        delta_color="inverse",
        help=t("ins_late_delta", lang, n=earlier),
    )
    if rows.empty:
        st.success(t("ins_late_none", lang))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("request_id", lang): rows["request_id"],
                t("number", lang): [mask_number(n, view.show_numbers) for n in rows["number"]],
                t("sender", lang): rows["sender"],
                t("gateway", lang): rows["gateway"],
                t("state", lang): [
                    message_state(r, c, lang)
                    for r, c in zip(rows["request_state"], rows["receipt_state"], strict=True)
                ],
                t("age", lang): [age_text(a) for a in rows["age_seconds"]],
                t("ins_late_limit", lang): [
                    f"{age_text(s)} ({t('ins_p95' if c else 'ins_fixed', lang)})"
                    for s, c in zip(rows["limit_seconds"], rows["cohort"], strict=True)
                ],
                t("ins_late_ratio", lang): [
                    f"× {a / max(s, 1):.1f}"
                    for a, s in zip(rows["age_seconds"], rows["limit_seconds"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


MAX_REQUEST_ID = 64  # the schema's width: anything longer names no request


def _completion(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_curve_title", lang))
    st.caption(t("ins_curve_help", lang))
    asked = str(st.query_params.get("request", ""))[:MAX_REQUEST_ID]
    request_id = st.text_input(t("request_id", lang), value=asked, max_chars=MAX_REQUEST_ID)
    request_id = request_id.strip()
    if request_id != asked:
        if request_id:
            st.query_params["request"] = request_id
        else:
            del st.query_params["request"]
    if not request_id:
        return
    found = insights_data.request_completion(data.url(), view.filters, request_id, view.now)
    if found is None:
        st.info(t("ins_curve_missing", lang))
        return
    # the gateway's ids and sender names are outside text: plain text, never markdown
    st.text(
        t(
            "ins_curve_about",
            lang,
            request=found.request_id,
            numbers=found.numbers,
            gateway=found.gateway or "—",
            sender=found.sender or "—",
            cohort=found.cohort_messages,
        )
    )
    st.plotly_chart(
        insights_charts.completion_curves(found.request, found.cohort, lang), width="stretch"
    )


def render(view: View) -> None:
    st.header(t("insights", view.lang))
    _late(view)
    _completion(view)
    _coverage(view)
    _shift(view)


controls.live(render)
