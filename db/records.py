"""Typed records that flow from the collector's parsers into the write path."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One line of ``RequestList``."""

    request_id: str
    gateway: str | None
    created_at: datetime | None
    expires_at: datetime | None
    sender: str | None
    remaining: int | None
    request_state: int | None


@dataclass(frozen=True, slots=True)
class NumberRecord:
    """One line of ``RequestStatus``: one number of a request."""

    number: str
    request_state: int | None
    expected_receipts: int | None
    receipt_state: int | None


# Outcomes of calls the API answered: an empty RequestStatus page is an answer too (the key
# and the gateway work), so the heartbeat, /metrics and the cycle summary count it as one.
ANSWERED = ("ok", "empty")


@dataclass(frozen=True, slots=True)
class ApiCallRecord:
    method: str
    started_at: datetime
    duration_ms: float
    outcome: str  # ok | client_error | server_error | timeout | connection | unparseable
    http_status: int | None = None
    error_code: int | None = None
    detail: str | None = None
    request_id: str | None = None

    @property
    def answered(self) -> bool:
        return self.outcome in ANSWERED


# age of a non-final message -> how long until its next poll; None: stop and give up.
Schedule = Callable[[timedelta], timedelta | None]


def poll_every_cycle(_age: timedelta) -> timedelta | None:
    return timedelta(0)


@dataclass(slots=True)
class Observations:
    """Everything one poll cycle saw; written in one transaction."""

    account: str
    observed_at: datetime
    listed: Sequence[RequestRecord] = ()
    statuses: Mapping[str, Sequence[NumberRecord]] = field(default_factory=dict)
    api_calls: Sequence[ApiCallRecord] = ()
    credit: float | None = None
    schedule: Schedule = poll_every_cycle
    give_up_after: timedelta | None = None
    # request id -> when to ask again, for requests whose status call failed for good reason
    deferred: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class WriteSummary:
    new_requests: int = 0
    new_messages: int = 0
    state_changes: int = 0
    became_final: int = 0
    gave_up: int = 0
    kept_final: int = 0
