"""The dashboard's global filters, and the SQL conditions and time buckets they imply."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, Executable

from db.models import ApiCall, Message
from db.types import epoch

if TYPE_CHECKING:
    import pandas as pd


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
    """Five minutes up to six hours, hourly up to three days, daily beyond."""
    return _bucket_for(filters.seconds)


def _bucket_for(seconds: float) -> int:
    if seconds <= 6 * 3600:
        return 300
    return 3600 if seconds <= 3 * 86400 else 86400


def sliding_start(now: datetime, span: timedelta, offset: int = 0) -> datetime:
    """Where "the last ``span``" starts: ``span`` before now, back to its bucket's start.

    Every bucket of a chart is then whole (the last one runs up to now) rather than the
    first being a sliver, and whole hours are read from the rollups, not from raw rows.
    ``offset`` (seconds east of UTC) puts day buckets at local midnight.
    """
    step = _bucket_for(span.total_seconds())
    start = int((now - span).timestamp()) + offset
    return datetime.fromtimestamp(start - start % step - offset, UTC)


def frame(engine: Engine, query: Executable) -> pd.DataFrame:
    # pandas is imported here, not at the top: the collector's alerts use the filters and
    # the day buckets, and must not pay pandas' memory
    import pandas as pd

    with engine.connect() as conn:
        result = conn.execute(query)
        # Plain tuples: pandas probes each Row for attributes, which costs an exception apiece.
        rows = [tuple(row) for row in result.fetchall()]
        return pd.DataFrame(rows, columns=list(result.keys()))


def to_times(values: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_datetime(values.astype("int64"), unit="s", utc=True)
