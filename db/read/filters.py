"""The dashboard's global filters, and the SQL conditions and time buckets they imply."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Executable

from db.models import ApiCall, Message
from db.types import epoch


@dataclass(frozen=True)
class Filters:
    start: datetime
    end: datetime
    account: str | None = None
    sender: str | None = None
    gateway: str | None = None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start)

    def messages(self) -> list[ColumnElement[bool]]:
        """Messages first seen in the range, narrowed by account, sender and gateway."""
        conditions = [Message.first_seen_at >= self.start, Message.first_seen_at < self.end]
        conditions += self.message_scope()
        return conditions

    def message_scope(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.account:
            conditions.append(Message.account == self.account)
        if self.sender:
            conditions.append(Message.sender == self.sender)
        if self.gateway:
            conditions.append(Message.gateway == self.gateway)
        return conditions

    def calls(self) -> list[ColumnElement[bool]]:
        """API calls in the range (sender and gateway do not apply to calls)."""
        conditions = [ApiCall.started_at >= self.start, ApiCall.started_at < self.end]
        if self.account:
            conditions.append(ApiCall.account == self.account)
        return conditions


def bucket(column: Any, seconds: int, offset: int = 0) -> ColumnElement[int]:
    """Start of the ``seconds``-wide bucket holding the time; ``offset`` aligns days locally."""
    shifted = epoch(column) + offset
    return (shifted - shifted % seconds) - offset


def bucket_seconds(filters: Filters) -> int:
    """Hourly up to three days, daily beyond."""
    if filters.seconds <= 6 * 3600:
        return 300
    return 3600 if filters.seconds <= 3 * 86400 else 86400


def frame(engine: Engine, query: Executable) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(query)
        # Plain tuples: pandas probes each Row for attributes, which costs an exception apiece.
        rows = [tuple(row) for row in result.fetchall()]
        return pd.DataFrame(rows, columns=list(result.keys()))


def to_times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("int64"), unit="s", utc=True)
