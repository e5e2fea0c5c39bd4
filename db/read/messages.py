"""The message browser: filtered, keyset-paginated rows and the same rows as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select, tuple_

from db.models import Message, RollupMessages
from db.read.filters import Filters, epoch, frame
from db.read.overview import GAVE_UP, PENDING
from db.read.split import message_counts

Finality = Literal["all", "final", "not_final", "gave_up"]
COLUMNS = (
    Message.account,
    Message.request_id,
    Message.number,
    Message.sender,
    Message.gateway,
    Message.request_state,
    Message.receipt_state,
    Message.expected_receipts,
    Message.created_at,
    Message.first_seen_at,
    Message.sent_at,
    Message.final_at,
    Message.gave_up_at,
)
# (first_seen_at epoch, request_id, number) of the last row on the previous page.
PageKey = tuple[int, str, str]


@dataclass(frozen=True)
class MessageQuery:
    filters: Filters
    request_state: int | None = None
    receipt_state: int | None = None
    finality: Finality = "all"
    request_id: str | None = None
    number: str | None = None  # a fragment of the number
    # Masked for good: a fragment search would reveal the hidden digits one probe at a time.
    whole_number: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        return [*self.filters.messages(), *self.narrowing()]

    def rollup_narrowing(self) -> list[ColumnElement[bool]] | None:
        """The same narrowing on the rollup, or None when the rollup cannot express it."""
        if self.request_id or self.number:
            return None
        r = RollupMessages
        conditions: list[ColumnElement[bool]] = []
        if self.request_state is not None:
            conditions.append(r.request_state == self.request_state)
        if self.receipt_state is not None:
            conditions.append(r.receipt_state == self.receipt_state)
        statuses = {
            "final": ("delivered", "failed"),
            "not_final": ("pending",),
            "gave_up": ("gave_up",),
        }.get(self.finality)
        if statuses:
            conditions.append(r.status.in_(statuses))
        return conditions

    def narrowing(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.request_state is not None:
            conditions.append(Message.request_state == self.request_state)
        if self.receipt_state is not None:
            conditions.append(Message.receipt_state == self.receipt_state)
        if self.finality == "final":
            conditions.append(Message.final_at.is_not(None))
        elif self.finality == "not_final":
            conditions.append(PENDING)
        elif self.finality == "gave_up":
            conditions.append(GAVE_UP)
        if self.request_id:
            conditions.append(Message.request_id == self.request_id.strip())
        if self.number:
            digits = "".join(c for c in self.number if c.isdigit())
            if self.whole_number:
                conditions.append(Message.number == digits)
            else:
                conditions.append(Message.number.contains(digits, autoescape=True))
        return conditions


def _ordered(query: MessageQuery):  # type: ignore[no-untyped-def]
    return (
        select(*COLUMNS)
        .where(*query.conditions())
        .order_by(Message.first_seen_at.desc(), Message.request_id.desc(), Message.number.desc())
    )


def page(
    engine: Engine, query: MessageQuery, after: PageKey | None = None, size: int = 50
) -> tuple[pd.DataFrame, PageKey | None]:
    """One page, newest first, and the key of the next page (None on the last)."""
    statement = _ordered(query)
    if after is not None:
        statement = statement.where(
            tuple_(epoch(Message.first_seen_at), Message.request_id, Message.number)
            < tuple_(*after)
        )
    rows = frame(engine, statement.limit(size + 1))
    more = len(rows) > size
    rows = rows.iloc[:size]
    if not more or rows.empty:
        return rows, None
    last = rows.iloc[-1]
    first_seen: datetime = last["first_seen_at"]
    return rows, (int(first_seen.timestamp()), str(last["request_id"]), str(last["number"]))


def count(engine: Engine, query: MessageQuery) -> int:
    rollup = query.rollup_narrowing()
    if rollup is None:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(*query.conditions())).scalar_one())
    total = message_counts(engine, query.filters, [], [], rollup, query.narrowing())
    return int(total["n"].sum())


def csv_chunks(
    engine: Engine,
    query: MessageQuery,
    batch: int = 5000,
    row_filter: Callable[[list[object]], list[object]] | None = None,
) -> Iterator[str]:
    """The filtered rows as CSV text, streamed in batches; ``row_filter`` may mask cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in COLUMNS])
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(_ordered(query))
        for rows in result.partitions():
            for row in rows:
                cells = [v.isoformat() if isinstance(v, datetime) else v for v in row]
                writer.writerow(row_filter(cells) if row_filter else cells)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_csv(
    engine: Engine,
    query: MessageQuery,
    row_filter: Callable[[list[object]], list[object]] | None = None,
) -> bytes:
    return "".join(csv_chunks(engine, query, row_filter=row_filter)).encode("utf-8")
