"""What the database holds at all: its state, and the values the global filters offer."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, exists, inspect, or_, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from db.models import ApiCall, FilterValue, Message

DatabaseState = Literal["missing", "no_schema", "empty", "ok"]


def sqlite_file_missing(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()


def database_state(engine: Engine) -> DatabaseState:
    """One round trip in the usual case: is there a row at all, and does the schema exist?"""
    anything = select(
        or_(exists(select(Message.number)), exists(select(ApiCall.id))).label("anything")
    )
    try:
        with engine.connect() as conn:
            found = conn.execute(anything).scalar()
    except DBAPIError:
        if not inspect(engine).has_table("messages"):
            return "no_schema"
        raise
    return "ok" if found else "empty"


def filter_options(engine: Engine) -> dict[str, list[str]]:
    """Accounts, senders and gateways the collector has seen (a small rollup table)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(FilterValue.account, FilterValue.sender, FilterValue.gateway)
        ).all()
    return {
        name: sorted({str(row[i]) for row in rows if row[i]})
        for i, name in enumerate(("account", "sender", "gateway"))
    }
