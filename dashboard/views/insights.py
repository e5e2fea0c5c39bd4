"""Insights page: completion curves, receipt coverage, the outcome mix week on week."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import controls, data, insights_charts, insights_data, safe, widgets
from dashboard.controls import View
from dashboard.formatting import (
    age_text,
    country_name,
    counts,
    late_limit,
    number,
    p_value,
    percent,
    points,
    state_label,
)
from dashboard.i18n import t
from db.read import late, significance
from db.read.curves import QUANTILES
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
                t("ins_sent", lang): counts(totals["sent"], lang),
                t("ins_covered", lang): counts(totals["covered"], lang),
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
                t("ins_now", lang): counts(table["now"], lang),
                t("ins_share_now", lang): [share(v) for v in table["share_now"]],
                t("ins_before", lang): counts(table["before"], lang),
                t("ins_share_before", lang): [share(v) for v in table["share_before"]],
                t("ins_change", lang): [
                    "—" if pd.isna(v) else points(float(v), lang) for v in table["change_pp"]
                ],
                "p": [p_value(None if pd.isna(p) else float(p), lang) for p in table["p_value"]],
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
    elif table["p_value"].isna().all():
        # nothing was tested (a new database, a quiet week): "no change" would claim too much
        st.info(
            t(
                "ins_shift_untested",
                lang,
                period=significance.MIN_PERIOD,
                outcome=significance.MIN_OUTCOME,
                now=number(int(table["now"].sum()), lang),
                before=number(int(table["before"].sum()), lang),
            )
        )
    else:
        st.success(t("ins_shift_none", lang))


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
            numbers=number(found.numbers, lang),
            gateway=found.gateway or "—",
            sender=found.sender or "—",
            cohort=number(found.cohort_messages, lang),
        )
    )
    st.plotly_chart(
        insights_charts.completion_curves(found.request, found.cohort, lang, found.cohort_median),
        width="stretch",
    )


INCOMPLETE_FALLBACK_MINUTES = 30  # for kinds with too few samples of their own


def _range_curves(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_range_curves_title", lang))
    st.caption(t("ins_range_curves_help", lang))
    curves = insights_data.gateway_curves(data.url(), view.filters)
    if curves.empty:
        st.info(t("no_rows", lang))
    else:
        requests = curves.groupby("gateway", sort=True)["requests"].max()
        st.text(
            t(
                "ins_range_requests",
                lang,
                counts=", ".join(
                    f"{safe.text(g) or '—'} {number(n, lang)}" for g, n in requests.items()
                ),
            )
        )
        st.plotly_chart(insights_charts.gateway_curves(curves, lang), width="stretch")
        st.dataframe(
            pd.DataFrame(
                {
                    t("gateway", lang): [safe.text(g) or "—" for g in curves["gateway"]],
                    t("ins_final_share", lang): [percent(v, lang) for v in curves["level"]],
                    **{
                        t(f"ins_{name}", lang): [
                            "—" if v is None else age_text(v) for v in curves[f"{name}_seconds"]
                        ]
                        for name in QUANTILES
                    },
                }
            ),
            hide_index=True,
            width="stretch",
            key="range_curves_table",
        )
    st.subheader(t("ins_incomplete_title", lang))
    minutes = INCOMPLETE_FALLBACK_MINUTES
    st.caption(
        t(
            "ins_incomplete_help",
            lang,
            days=late.BASELINE.days,
            samples=late.MIN_SAMPLES,
            minutes=minutes,
        )
    )
    rows, total = insights_data.incomplete_requests(data.url(), view.filters, minutes, view.now)
    if rows.empty:
        st.success(t("ins_incomplete_none", lang))
        return
    st.text(t("ins_incomplete_count", lang, n=number(total, lang)))
    here = st.query_params.to_dict()
    link = t("ins_curve_link", lang)
    st.dataframe(
        pd.DataFrame(
            {
                t("request_id", lang): [safe.text(r) for r in rows["request_id"]],
                t("gateway", lang): [safe.text(g) or "—" for g in rows["gateway"]],
                t("sender", lang): [safe.text(s) or "—" for s in rows["sender"]],
                t("ins_numbers", lang): counts(rows["numbers"], lang),
                t("ins_final_so_far", lang): counts(rows["final"], lang),
                t("age", lang): [age_text(a) for a in rows["age_seconds"]],
                t("ins_late_limit", lang): [
                    late_limit(s, c, lang)
                    for s, c in zip(rows["limit_seconds"], rows["cohort"], strict=True)
                ],
                link: ["?" + urlencode({**here, "request": r}) for r in rows["request_id"]],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={link: st.column_config.LinkColumn(link, display_text="↗")},
        key="incomplete_table",
    )


def _countries(view: View) -> None:
    lang = view.lang
    st.subheader(t("ins_countries_title", lang))
    st.caption(t("ins_countries_help", lang))
    table = insights_data.by_country(data.url(), view.filters)
    if table.empty:
        st.info(t("no_rows", lang))
        return

    def seconds(value: float | None) -> str:
        return "—" if value is None or pd.isna(value) else age_text(value)

    st.dataframe(
        pd.DataFrame(
            {
                t("ins_country", lang): [country_name(c, lang) for c in table["country"]],
                t("messages", lang): counts(table["messages"], lang),
                t("ins_delivered_share", lang): [
                    percent(v, lang) for v in table["delivered_share"]
                ],
                t("ins_failed", lang): counts(table["failed"], lang),
                t("ins_failed_share", lang): [percent(v, lang) for v in table["failed_share"]],
                t("ins_final_p50", lang): [seconds(v) for v in table["p50"]],
                t("ins_final_p90", lang): [seconds(v) for v in table["p90"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def render(view: View) -> None:
    st.header(t("insights", view.lang))
    st.caption(t("ins_late_moved", view.lang))  # the list and its count: Backlog page
    _completion(view)
    _range_curves(view)
    _coverage(view)
    _shift(view)
    _countries(view)


controls.live(render)
