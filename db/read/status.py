"""The one-sentence answer to "are my messages arriving?": last delivery and the backlog now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from db.codes import RECEIPT_SUCCESS
from db.models import ApiCall, Message
from db.read.filters import Filters
from db.read.overview import PENDING


@dataclass(frozen=True)
class Arrival:
    last_delivered: datetime | None
    pending: int
    oldest_pending: datetime | None


def arrival(engine: Engine, filters: Filters) -> Arrival:
    """Independent of the time range: the state now, within account, sender and gateway."""
    scope = filters.message_scope()
    with engine.connect() as conn:
        # final_at is indexed (non-NULL rows only): the newest delivery is a short walk back.
        last = conn.execute(
            select(func.max(Message.final_at)).where(
                Message.final_at.is_not(None), Message.receipt_state == RECEIPT_SUCCESS, *scope
            )
        ).scalar_one()
        pending, oldest = conn.execute(
            select(func.count(), func.min(Message.first_seen_at)).where(PENDING, *scope)
        ).one()
    return Arrival(last, int(pending or 0), oldest)


def first_message(engine: Engine, filters: Filters) -> datetime | None:
    """When the range's first message was seen: charts of a young database start there."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.min(Message.first_seen_at)).where(*filters.messages())
        ).scalar_one()


def first_call(engine: Engine, filters: Filters) -> datetime | None:
    with engine.connect() as conn:
        return conn.execute(
            select(func.min(ApiCall.started_at)).where(*filters.calls())
        ).scalar_one()
