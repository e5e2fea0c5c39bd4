"""Cached data access for the Insights page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.data import TTL, engine
from db.read import completion, countries, curves, insights
from db.read.filters import Filters


@st.cache_data(ttl=TTL, show_spinner=False)
def receipt_coverage(raw_url: str, filters: Filters, zone: str) -> pd.DataFrame:
    return insights.receipt_coverage(engine(raw_url), filters, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def outcome_shift(raw_url: str, filters: Filters) -> pd.DataFrame:
    return insights.outcome_shift(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def request_completion(
    raw_url: str, filters: Filters, request_id: str, now: datetime
) -> completion.Completion | None:
    return completion.request_completion(engine(raw_url), filters, request_id, now)


@st.cache_data(ttl=TTL, show_spinner=False)
def gateway_curves(raw_url: str, filters: Filters) -> pd.DataFrame:
    return curves.gateway_curves(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def incomplete_requests(
    raw_url: str, filters: Filters, minutes: int, now: datetime
) -> tuple[pd.DataFrame, int]:
    return curves.incomplete_requests(engine(raw_url), filters, now, timedelta(minutes=minutes))


@st.cache_data(ttl=TTL, show_spinner=False)
def by_country(raw_url: str, filters: Filters) -> pd.DataFrame:
    return countries.by_country(engine(raw_url), filters)
