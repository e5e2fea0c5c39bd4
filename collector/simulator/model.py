"""The simulated gateway's records: accounts, fault rates, requests, numbers and its clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.simulator import scripts
from db.codes import ERRORS, REQUEST_STATE_FINAL

PRAGUE = ZoneInfo("Europe/Prague")
GATEWAY_PRICES = {"high": 1.10, "economy": 0.80, "lowcost": 0.45, "low": 0.45, "direct": 1.30}
MAX_PARTS = 6
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


class SimError(Exception):
    """An SmsManager error answer: ``ERROR|code`` with the code's HTTP status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = ERRORS[code].http_status if code in ERRORS else 500


@dataclass
class Faults:
    """Rates (0..1) of each injected fault, drawn per call of a faulted method."""

    server_error: float = 0.0  # HTTP 500, ERROR|9xx
    unavailable_empty: float = 0.0  # HTTP 503, empty body
    unavailable_html: float = 0.0  # HTTP 503, an HTML page from a proxy
    slow: float = 0.0  # the answer comes after slow_seconds
    slow_seconds: float = 35.0
    drop: float = 0.0  # the connection is closed without an answer
    empty_status: float = 0.0  # RequestStatus answers 200 with an empty body
    unknown_codes: float = 0.0  # per line: request state 8 or receipt 9
    latency: float = 0.0  # seconds every answer of a faulted method takes (network + gateway)
    methods: frozenset[str] = frozenset({"RequestList", "RequestStatus", "GetUserInfo"})


@dataclass
class Account:
    api_key: str
    credit: float = 1000.0
    prepaid: bool = True
    senders: frozenset[str] = frozenset({"SMSMANAGER", "MyShop", "Doctor", "Bank"})
    default_sender: str = "SMSMANAGER"
    default_gateway: str = "high"
    # Older clients log in with ``username`` + the SHA-1 hex of ``password`` instead of a key.
    username: str | None = None
    password: str | None = None
    # This account's own faults (a 9xx storm for one customer); None: the gateway's.
    faults: Faults | None = None


@dataclass
class SimNumber:
    number: str
    steps: list[scripts.Step]

    def at(self, elapsed: float) -> scripts.Step:
        current = self.steps[0]
        for step in self.steps:
            if step[0] > elapsed:
                break
            current = step
        return current

    def history(self, elapsed: float) -> list[scripts.Step]:
        return [s for s in self.steps if s[0] <= elapsed]


@dataclass
class SimRequest:
    request_id: str
    api_key: str
    gateway: str
    sender: str
    created_at: datetime  # gateway time, UTC
    starts_at: datetime
    expires_at: datetime | None
    parts: int
    numbers: list[SimNumber] = field(default_factory=list)
    custom_id: str | None = None
    seq: int = 0  # creation order; ids are opaque (UUIDs need not sort)


@dataclass(frozen=True)
class CallLogEntry:
    at: float  # time.monotonic()
    method: str
    http_status: int | None
    error_code: int | None
    fault: str | None
    request_id: str | None


@dataclass(frozen=True)
class SendResult:
    request_id: str
    numbers: list[str]
    custom_id: str | None
    parts: int
    price: float


class Clock:
    """Gateway time: ``scale`` gateway seconds pass per real second."""

    def __init__(self, scale: float = 1.0, start: datetime | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self.start = start or datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.scale)


class ManualClock(Clock):
    """Gateway time that moves only when told to: paths are tested step by step under any load."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(1.0, start)
        self.offset = 0.0

    def advance_to(self, seconds: float) -> None:
        self.offset = max(self.offset, seconds)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)


def derived_request_state(states: list[int]) -> int:
    """A request's state from its numbers' states: 3 while partly sent."""
    live = [s for s in states if s not in REQUEST_STATE_FINAL]
    if live:
        if 2 in states:
            return 3
        for candidate in (1, 5, 9, 0):
            if candidate in live:
                return candidate
        return live[0]
    for candidate in (2, 7, 6, 4):
        if candidate in states:
            return candidate
    return states[0] if states else 0


def parse_time(value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        local = datetime.strptime(value.strip(), TIME_FORMAT)
    except ValueError:
        raise SimError(102) from None
    return local.replace(tzinfo=PRAGUE).astimezone(UTC)


def prague_text(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(PRAGUE).strftime("%Y-%m-%d %H:%M:%S")
