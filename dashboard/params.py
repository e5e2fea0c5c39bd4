"""Query parameters checked before use: anything not valid falls back to the default, noted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# A custom range reaches back at most this far and spans at most MAX_SPAN: beyond, the
# date arithmetic overflows or a single query scans years of rows.
MAX_AGE = timedelta(days=10 * 366)
MAX_SPAN_DAYS = 366
# Longer than any valid value: the rest is not even looked at.
MAX_LENGTH = 200


@dataclass(frozen=True)
class Note:
    name: str  # the parameter, e.g. "tz"
    why: str  # an i18n key
    values: tuple[tuple[str, object], ...] = ()


@dataclass
class Params:
    values: dict[str, str | None] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: str | None) -> bool:
    # ZoneInfo() also opens folders of the zone database ("Europe") and paths: look up
    # the name in the list of zones instead.
    return bool(name) and len(name or "") <= MAX_LENGTH and name in _zones()


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if name and valid_zone(name) else ZoneInfo("UTC")


def read(
    raw: Mapping[str, str], choices: Mapping[str, Iterable[str]], zone_names: Iterable[str] = ()
) -> Params:
    """Keep each parameter only if it is one of its choices (``tz``: a known zone)."""
    out = Params()
    for name, allowed in choices.items():
        value = raw.get(name)
        if value is None or value == "":
            out.values[name] = None
        elif len(value) <= MAX_LENGTH and value in set(allowed):
            out.values[name] = value
        else:
            out.values[name] = None
            out.notes.append(Note(name, "why_choice"))
    value = raw.get("tz")
    if value and not valid_zone(value):
        out.notes.append(Note("tz", "why_zone"))
        value = None
    out.values["tz"] = value or None
    return out


def _parse(raw: str | None) -> date | None:
    if not raw or len(raw) > 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def custom_dates(
    raw_from: str | None, raw_to: str | None, today: date
) -> tuple[date, date, list[Note]]:
    """The custom range's first and last day from the link, clamped to a sane span."""
    notes: list[Note] = []
    earliest = earliest_day(today)
    days = []
    for name, raw, fallback in (
        ("from", raw_from, today - timedelta(days=7)),
        ("to", raw_to, today),
    ):
        value = _parse(raw)
        if raw and value is None:
            notes.append(Note(name, "why_date"))
        value = value or fallback
        if not earliest <= value <= today:
            notes.append(Note(name, "why_clamped"))
            value = min(max(value, earliest), today)
        days.append(value)
    first, last = days
    first, last, more = span(first, last)
    return first, last, notes + more


def earliest_day(today: date) -> date:
    return today - MAX_AGE


def span(first: date, last: date) -> tuple[date, date, list[Note]]:
    """A range the wrong way round is turned; one longer than MAX_SPAN_DAYS is cut."""
    notes = []
    if last < first:
        first, last = last, first
        notes.append(Note("to", "why_clamped"))
    if (last - first).days >= MAX_SPAN_DAYS:
        first = last - timedelta(days=MAX_SPAN_DAYS - 1)
        notes.append(Note("from", "why_span", (("days", MAX_SPAN_DAYS),)))
    return first, last, notes
