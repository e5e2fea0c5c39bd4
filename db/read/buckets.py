"""Chart buckets in the viewer's time zone: day buckets are whole local days, 23 or 25 hours
long on the days the clocks change, in SQL and as edges.

A range is cut into pieces of one UTC offset each, so that one formula places every bucket
of a piece; a day on which the clocks change is a piece of its own, one bucket long.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, case, literal_column

from db.read.filters import Filters, bucket
from db.types import epoch

DAY = 86400
HOUR = 3600
# Days read around a range, so that every time a query meets has its piece (e.g. an exit
# hour just after the range's end).
MARGIN = 2


@dataclass(frozen=True)
class Piece:
    """[start, end) with buckets of ``seconds`` at ``offset`` east of UTC, or with offset
    None one bucket: a local day of other than 24 hours."""

    start: int
    end: int
    offset: int | None


@dataclass(frozen=True)
class Buckets:
    """A chart's buckets: their width and the zone's pieces over (and around) its range."""

    seconds: int
    pieces: tuple[Piece, ...]

    @property
    def hourly(self) -> bool:
        """Can every bucket be built from whole hours (so from hourly rollup rows)?"""
        return self.seconds % HOUR == 0 and all(
            p.start % HOUR == 0 and (p.offset or 0) % HOUR == 0 for p in self.pieces
        )

    def expr(self, column: Any) -> ColumnElement[int]:
        """SQL: the start of the bucket holding the time in ``column``."""
        if len(self.pieces) == 1:
            return self._one(column, self.pieces[0])
        at = epoch(column)
        branches = [(at < _int(p.end), self._one(column, p)) for p in self.pieces[:-1]]
        return case(*branches, else_=self._one(column, self.pieces[-1]))

    def _one(self, column: Any, piece: Piece) -> ColumnElement[int]:
        if piece.offset is None:
            return _int(piece.start)
        return bucket(column, self.seconds, piece.offset)

    def start_of(self, at: int) -> int:
        """The start of the bucket holding the instant ``at`` (epoch seconds)."""
        piece = self.pieces[max(0, bisect_right([p.start for p in self.pieces], at) - 1)]
        if piece.offset is None and piece.start <= at < piece.end:
            return piece.start
        offset = piece.offset if piece.offset is not None else 0
        shifted = at + offset
        return shifted - shifted % self.seconds - offset

    def edges(self, start: int, end: int) -> list[int]:
        """Bucket edges from the start of the one holding ``start`` to the first at or
        after ``end``."""
        found = [self.start_of(start)]
        while found[-1] < end:
            found.append(self._next(found[-1]))
        return found

    def _next(self, edge: int) -> int:
        for piece in self.pieces:
            if piece.start <= edge < piece.end and piece.offset is None:
                return piece.end
        return edge + self.seconds


def _int(value: int) -> ColumnElement[int]:
    # Written into the SQL: the same text in SELECT and GROUP BY, whatever the driver binds.
    return literal_column(str(int(value)), BigInteger)


def buckets(filters: Filters, seconds: int, zone: str = "UTC") -> Buckets:
    """The buckets of ``seconds`` for the range of ``filters`` in the zone named ``zone``."""
    return _buckets(zone, seconds, int(filters.start.timestamp()), int(filters.end.timestamp()))


@lru_cache(maxsize=256)
def _buckets(zone: str, seconds: int, start: int, end: int) -> Buckets:
    tz = ZoneInfo(zone)
    first = _date(start, tz) - timedelta(days=MARGIN)
    last = _date(end, tz) + timedelta(days=MARGIN)
    if seconds % DAY == 0:
        pieces = _day_pieces(tz, first, last)
    else:
        pieces = _offset_pieces(tz, _midnight(first, tz), _midnight(last, tz))
    return Buckets(seconds, _merged(pieces))


def _date(at: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, tz).date()


def _midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), tz).timestamp())


def _offset(tz: ZoneInfo, at: int) -> int:
    shift = datetime.fromtimestamp(at, UTC).astimezone(tz).utcoffset()
    return int(shift.total_seconds()) if shift else 0


def _day_pieces(tz: ZoneInfo, first: date, last: date) -> list[Piece]:
    """One piece per local day: of its offset when 24 hours of one offset, else one bucket."""
    pieces = []
    day, start = first, _midnight(first, tz)
    while day < last:
        day += timedelta(days=1)
        end = _midnight(day, tz)
        offset = _offset(tz, start)
        steady = end - start == DAY and _offset(tz, end - 1) == offset
        pieces.append(Piece(start, end, offset if steady else None))
        start = end
    return pieces


def _offset_pieces(tz: ZoneInfo, start: int, end: int) -> list[Piece]:
    """Pieces of one offset each, cut where the zone's offset changes."""
    pieces = []
    at = start
    while at < end:
        offset = _offset(tz, at)
        step = min(DAY, end - at)
        if _offset(tz, at + step) == offset:
            pieces.append(Piece(at, at + step, offset))
            at += step
            continue
        low, high = at, at + step  # the change lies in (low, high]: find its second
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _offset(tz, middle) == offset else (low, middle)
        pieces.append(Piece(at, high, offset))
        at = high
    return pieces


def _merged(pieces: list[Piece]) -> tuple[Piece, ...]:
    """Neighbouring pieces of the same offset as one (one piece: no CASE in the SQL)."""
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if last and piece.offset is not None and last.offset == piece.offset:
            merged[-1] = Piece(last.start, piece.end, last.offset)
        else:
            merged.append(piece)
    return tuple(merged)
