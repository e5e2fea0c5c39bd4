"""A small database whose truth the tests know, written through the collector's write path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record


@dataclass(frozen=True)
class SeedMessage:
    account: str
    request_id: str
    sender: str
    gateway: str
    minutes_ago: int
    number: str
    request_state: int
    receipt: int
    outcome: str  # delivered | failed | pending | gave_up


def _m(
    acc: str, rid: str, sender: str, gw: str, ago: int, num: str, rs: int, rc: int, outcome: str
) -> SeedMessage:
    return SeedMessage(acc, rid, sender, gw, ago, num, rs, rc, outcome)


MESSAGES = [
    _m("acme", "1001", "MyShop", "high", 180, "420777000101", 2, 2, "delivered"),
    _m("acme", "1001", "MyShop", "high", 180, "420777000102", 2, 2, "delivered"),
    _m("acme", "1001", "MyShop", "high", 180, "420777000103", 2, 3, "failed"),
    _m("acme", "1002", "Bank", "economy", 120, "420601000201", 2, 2, "delivered"),
    _m("acme", "1002", "Bank", "economy", 120, "420601000202", 4, 0, "failed"),
    _m("acme", "1002", "Bank", "economy", 120, "420601000203", 2, 5, "pending"),
    _m("acme", "1003", "MyShop", "economy", 30, "420777000301", 2, 1, "pending"),
    _m("acme", "1003", "MyShop", "economy", 30, "420777000302", 8, 9, "pending"),
    _m("acme", "1003", "MyShop", "economy", 30, "420777000303", 2, 2, "delivered"),
    _m("acme", "1004", "MyShop", "high", 300, "420777000401", 2, 5, "gave_up"),
    _m("other", "2001", "Doctor", "lowcost", 60, "420777000501", 2, 2, "delivered"),
    # the previous 24 h, for the change-against-previous-period figures
    _m("acme", "0901", "MyShop", "high", 30 * 60, "420777000601", 2, 2, "delivered"),
    _m("acme", "0901", "MyShop", "high", 30 * 60, "420777000602", 2, 6, "failed"),
]


@dataclass(frozen=True)
class SeedCall:
    method: str
    outcome: str
    http_status: int | None
    error_code: int | None
    count: int


CALLS = [
    SeedCall("RequestStatus", "ok", 200, None, 10),
    SeedCall("RequestStatus", "server_error", 500, 912, 3),
    SeedCall("RequestList", "server_error", 500, 950, 1),
    SeedCall("RequestStatus", "server_error", 503, None, 2),
    SeedCall("RequestStatus", "timeout", None, None, 1),
    SeedCall("GetUserInfo", "connection", None, None, 1),
    SeedCall("RequestList", "client_error", 401, 103, 2),
    SeedCall("RequestStatus", "unparseable", 200, None, 1),
]
CREDIT = [(600, 1000.0), (300, 990.0), (60, 980.0)]  # (minutes ago, CZK)


def seed(engine: Engine, now: datetime | None = None) -> datetime:
    """Write the seed relative to ``now``; return the ``now`` used."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    by_request: dict[tuple[str, str], list[SeedMessage]] = {}
    for m in MESSAGES:
        by_request.setdefault((m.account, m.request_id), []).append(m)
    for (account, rid), group in by_request.items():
        first = group[0]
        at = now - timedelta(minutes=first.minutes_ago)
        listed = RequestRecord(
            rid, first.gateway, at - timedelta(seconds=20), None, first.sender, None, 2
        )
        numbers = [NumberRecord(m.number, m.request_state, 1, 0) for m in group]
        record(engine, Observations(account, at, listed=[listed], statuses={rid: numbers}))
        finals = [NumberRecord(m.number, m.request_state, 0, m.receipt) for m in group]
        gave_up = any(m.outcome == "gave_up" for m in group)
        record(
            engine,
            Observations(
                account,
                at + timedelta(seconds=40),
                statuses={rid: finals},
                schedule=(lambda _age: None) if gave_up else (lambda _age: timedelta(minutes=1)),
            ),
        )
    calls = [
        ApiCallRecord(
            c.method,
            now - timedelta(minutes=20 + i),
            50.0 + i,
            c.outcome,
            c.http_status,
            c.error_code,
            None if c.outcome == "ok" else "seeded failure",
        )
        for c in CALLS
        for i in range(c.count)
    ]
    record(engine, Observations("acme", now, api_calls=calls))
    for ago, credit in CREDIT:
        record(engine, Observations("acme", now - timedelta(minutes=ago), credit=credit))
    return now


def in_range(hours: int = 24, **where: str) -> list[SeedMessage]:
    """The seed messages first seen in the last ``hours``, narrowed like the filters narrow."""
    return [
        m
        for m in MESSAGES
        if m.minutes_ago < hours * 60 and all(getattr(m, k) == v for k, v in where.items())
    ]
