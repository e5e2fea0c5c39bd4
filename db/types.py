"""Column types: UTC instants stored as integer Unix seconds, read back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Dialect, type_coerce
from sqlalchemy.types import TypeDecorator, TypeEngine


def epoch(column: Any) -> ColumnElement[int]:
    """The raw integer seconds of a UTCEpoch column, for arithmetic in SQL."""
    return type_coerce(column, BigInteger)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_epoch(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: smsdash stores only aware UTC instants")
    return int(value.timestamp())


def from_epoch(value: int | float) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


class UTCEpoch(TypeDecorator[datetime]):
    """Integer seconds since the epoch.

    Integers keep the database about half the size of ISO text and make time
    bucketing plain integer arithmetic on both SQLite and PostgreSQL; SQL users
    convert with ``datetime(col, 'unixepoch')`` or ``to_timestamp(col)``.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return to_epoch(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_epoch(value)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        # Arithmetic and comparisons with plain numbers stay integer arithmetic.
        if isinstance(value, int | float):
            return BigInteger()
        return self
