"""Cached data access for the pages: a read-only engine and short-lived query results."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import safe
from db import roles
from db.engine import DEFAULT_DATABASE_URL, database_url, make_readonly_engine
from db.read import backlog, errors, health, history, late, messages, meta, overview, status
from db.read.filters import Filters

TTL = timedelta(seconds=10)
EPOCH = datetime.fromtimestamp(0, UTC)


def url() -> str:
    # The dashboard may log in as its own, read-only role (README: the reader role).
    return (
        os.environ.get("SMSDASH_DASHBOARD_DATABASE_URL")
        or os.environ.get("SMSDASH_DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


@st.cache_resource(show_spinner=False)
def engine(raw_url: str) -> Engine:
    return make_readonly_engine(raw_url)


def state(raw_url: str) -> meta.DatabaseState:
    if meta.sqlite_file_missing(database_url(raw_url)):
        return "missing"
    return meta.database_state(engine(raw_url))


@st.cache_data(ttl=TTL, show_spinner=False)
def options(raw_url: str) -> dict[str, list[str]]:
    return meta.filter_options(engine(raw_url))


@st.cache_data(ttl=TTL, show_spinner=False)
def kpis(raw_url: str, filters: Filters) -> overview.Kpis:
    return overview.kpis(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def distributions(raw_url: str, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    eng = engine(raw_url)
    return (
        overview.request_state_distribution(eng, filters),
        overview.receipt_distribution(eng, filters),
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def outcome_over_time(raw_url: str, filters: Filters, seconds: int, zone: str) -> pd.DataFrame:
    return overview.outcome_over_time(engine(raw_url), filters, seconds, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def backlog_history(
    raw_url: str, filters: Filters, seconds: int, zone: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return history.backlog_history(engine(raw_url), filters, seconds, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def aging(raw_url: str, filters: Filters, now: datetime) -> pd.DataFrame:
    return backlog.aging(engine(raw_url), filters, now)


@st.cache_data(ttl=TTL, show_spinner=False)
def stuck(raw_url: str, filters: Filters, minutes: int, now: datetime) -> pd.DataFrame:
    return backlog.stuck(engine(raw_url), filters, timedelta(minutes=minutes), now)


@st.cache_data(ttl=TTL, show_spinner=False)
def late_messages(
    raw_url: str, filters: Filters, minutes: int, now: datetime
) -> tuple[pd.DataFrame, int, int]:
    """The late messages, how many there are, and how many there were a period earlier."""
    eng, fallback = engine(raw_url), timedelta(minutes=minutes)
    rows, total = late.late(eng, filters, now, fallback)
    earlier = late.late_count(eng, filters, now - (filters.end - filters.start), fallback)
    return rows, total, earlier


@st.cache_data(ttl=TTL, show_spinner=False)
def timeline(raw_url: str, account: str, request_id: str, number: str) -> pd.DataFrame:
    return backlog.timeline(engine(raw_url), account, request_id, number)


@st.cache_data(ttl=TTL, show_spinner=False)
def time_to_final(raw_url: str, filters: Filters) -> pd.DataFrame:
    return backlog.time_to_final(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def errors_over_time(raw_url: str, filters: Filters, seconds: int, zone: str) -> pd.DataFrame:
    return errors.errors_over_time(engine(raw_url), filters, seconds, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def error_table(raw_url: str, filters: Filters) -> pd.DataFrame:
    return errors.error_table(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def message_page(
    raw_url: str, query: messages.MessageQuery, after: messages.PageKey | None
) -> tuple[pd.DataFrame, messages.PageKey | None]:
    return messages.page(engine(raw_url), query, after)


@st.cache_data(ttl=TTL, show_spinner=False)
def message_count(raw_url: str, query: messages.MessageQuery) -> int:
    return messages.count(engine(raw_url), query)


def message_csv(raw_url: str, query: messages.MessageQuery, show_numbers: bool = False) -> bytes:
    """The rows as the screen shows them: numbers masked unless shown in full."""
    number = [c.key for c in messages.COLUMNS].index("number")
    return messages.to_csv(engine(raw_url), query, safe.csv_row(number, show_numbers))


@st.cache_data(ttl=TTL, show_spinner=False)
def last_calls(raw_url: str, account: str | None) -> health.LastCalls:
    return health.last_calls(engine(raw_url), account)


@st.cache_data(ttl=TTL, show_spinner=False)
def calls_over_time(raw_url: str, filters: Filters, seconds: int, zone: str) -> pd.DataFrame:
    return health.calls_over_time(engine(raw_url), filters, seconds, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def latency(raw_url: str, filters: Filters) -> pd.DataFrame:
    return health.latency(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def credit(raw_url: str, filters: Filters, seconds: int, zone: str) -> pd.DataFrame:
    return health.credit_series(engine(raw_url), filters, seconds, zone)


@st.cache_data(ttl=TTL, show_spinner=False)
def runway(raw_url: str, account: str | None, now: datetime) -> health.Runway:
    return health.runway(engine(raw_url), account, now)


@st.cache_data(ttl=timedelta(minutes=5), show_spinner=False)
def write_risks(raw_url: str) -> list[str]:
    return roles.write_risks(engine(raw_url))


@st.cache_data(ttl=TTL, show_spinner=False)
def arrival(
    raw_url: str, account: str | None, sender: str | None, gateway: str | None
) -> status.Arrival:
    # Keyed on the scope only: the state now does not depend on the chosen range.
    scope = Filters(EPOCH, EPOCH, account, sender, gateway)
    return status.arrival(engine(raw_url), scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def first_message(raw_url: str, filters: Filters) -> datetime | None:
    return status.first_message(engine(raw_url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def first_call(raw_url: str, filters: Filters) -> datetime | None:
    return status.first_call(engine(raw_url), filters)
