"""Cached data functions of the Alerts page and the banner every page shows."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.data import engine
from db.read import alerts

TTL = timedelta(seconds=10)


@st.cache_data(ttl=TTL, show_spinner=False)
def firing(raw_url: str, account: str | None) -> list[alerts.Firing]:
    return alerts.firing(engine(raw_url), account)


@st.cache_data(ttl=TTL, show_spinner=False)
def active(raw_url: str, account: str | None) -> pd.DataFrame:
    return alerts.active(engine(raw_url), account)


@st.cache_data(ttl=TTL, show_spinner=False)
def episodes(raw_url: str, account: str | None) -> pd.DataFrame:
    return alerts.episodes(engine(raw_url), account)


@st.cache_data(ttl=TTL, show_spinner=False)
def failed_notifications(raw_url: str, account: str | None) -> pd.DataFrame:
    return alerts.failed_notifications(engine(raw_url), account)


@st.cache_data(ttl=TTL, show_spinner=False)
def rules(raw_url: str, account: str | None) -> pd.DataFrame:
    return alerts.rules(engine(raw_url), account)
