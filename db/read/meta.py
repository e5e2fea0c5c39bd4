"""What the database holds at all: its state, and the values the global filters offer."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, inspect, select
from sqlalchemy.engine import URL

from db.models import ApiCall, Message, Request

DatabaseState = Literal["missing", "no_schema", "empty", "ok"]


def sqlite_file_missing(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()


def database_state(engine: Engine) -> DatabaseState:
    if not inspect(engine).has_table("messages"):
        return "no_schema"
    with engine.connect() as conn:
        anything = (
            conn.execute(select(Message.number).limit(1)).first()
            or conn.execute(select(ApiCall.id).limit(1)).first()
        )
    return "ok" if anything else "empty"


def filter_options(engine: Engine) -> dict[str, list[str]]:
    """Accounts, senders and gateways known from the requests table."""
    options: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name, column in (
            ("account", Request.account),
            ("sender", Request.sender),
            ("gateway", Request.gateway),
        ):
            values = conn.execute(select(column).where(column.is_not(None)).distinct())
            options[name] = sorted(str(v) for v in values.scalars())
    return options
