"""The collector's write path: one poll cycle's observations in one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from db import pause
from db.bulk import (
    insert_rows,
    insert_values,
    row_id,
    select_rows,
    update_rows,
    update_schedules,
)
from db.merge import (
    Batch,
    Row,
    last_per_number,
    merge_message,
    merge_request,
    new_request,
    reschedule_request,
)
from db.models import ApiCall, CreditSample, Message, Request
from db.records import Observations, WriteSummary
from db.rollup import Deltas
from db.types import UTCEpoch, to_epoch

CHUNK = 500  # keeps IN (...) lists far below SQLite's parameter limit
# Indexed columns that rarely change after the first sighting: left out of the usual UPDATE.
RARELY_CHANGED = ("sender", "gateway", "created_at")
CHANGE_COLUMNS = ("account", "request_id", "number", "kind", "old_code", "new_code", "observed_at")


@cache
def plain(table: Table) -> Table:
    """The table with its UTC instants as bare integers: no per-value conversion on the hot path."""
    columns = [
        Column(
            c.name,
            BigInteger() if isinstance(c.type, UTCEpoch) else c.type,
            primary_key=c.primary_key,
        )
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


REQUESTS = plain(Request.__table__)
MESSAGES = plain(Message.__table__)
CALLS = plain(ApiCall.__table__)


def record(engine: Engine, obs: Observations) -> WriteSummary:
    """Write everything one cycle observed, atomically and idempotently."""
    with engine.begin() as conn:
        summary = record_in(conn, obs)
        pause.before_commit(summary.state_changes)
        return summary


def record_in(conn: Connection, obs: Observations) -> WriteSummary:
    batch = Batch(obs.account, to_epoch(obs.observed_at), obs.schedule)
    deltas = Deltas()
    answered = {rid: nums for rid, nums in obs.statuses.items() if nums}
    listed = {r.request_id for r in obs.listed}
    known: dict[str, dict[str, Row]] = defaultdict(dict)
    for row in _load(conn, MESSAGES, obs.account, set(answered)):
        known[row["request_id"]][row["number"]] = row
    # A status answer about numbers all stored already needs nothing from the request row
    # (its messages carry sender, gateway and creation time): only its next poll is written.
    settled = {
        rid
        for rid, nums in answered.items()
        if rid not in listed and all(n.number in known[rid] for n in nums)
    }
    req_ids = (listed | set(obs.statuses)) - settled
    known_requests = {row["request_id"]: row for row in _load(conn, REQUESTS, obs.account, req_ids)}
    requests: dict[str, Row] = {}
    for rec in obs.listed:
        old = requests.get(rec.request_id) or known_requests.get(rec.request_id)
        requests[rec.request_id] = merge_request(batch, old, rec)
    for rid in req_ids - listed:
        old = known_requests.get(rid)
        requests[rid] = dict(old) if old else new_request(batch, rid)
    schedules = {rid: _stand_in(obs.account, rid, known[rid]) for rid in settled}

    messages: list[tuple[Row | None, Row]] = []
    for rid, numbers in answered.items():
        request, stored = requests.get(rid) or schedules[rid], known[rid]
        merged: dict[str, Row] = {}
        for answer in last_per_number(numbers):
            old = stored.get(answer.number)
            merged[answer.number] = row = merge_message(batch, old, answer, request)
            deltas.message_changed(old, row)
            messages.append((old, row))
        siblings = [row for number, row in stored.items() if number not in merged]
        reschedule_request(request, [*merged.values(), *siblings], batch.now)
        deltas.request_changed(list(stored.values()), [*merged.values(), *siblings])

    update_schedules(conn, list(schedules.values()))
    _store(
        conn,
        REQUESTS,
        [(known_requests.get(r), row) for r, row in requests.items()],
        ("request_id",),
    )
    deltas.filters.update(
        (r["account"], r["sender"] or "", r["gateway"] or "") for r in requests.values()
    )
    _store(conn, MESSAGES, messages, ("request_id", "number"))
    insert_values(conn, "state_changes", CHANGE_COLUMNS, batch.changes)
    batch.summary.state_changes = len(batch.changes)
    for call in obs.api_calls:
        deltas.call(obs.account, call)
    if obs.api_calls:
        conn.execute(insert(CALLS), [_call_row(obs.account, c) for c in obs.api_calls])
    if obs.credit is not None:
        conn.execute(
            insert(CreditSample),
            {"account": obs.account, "observed_at": obs.observed_at, "credit": obs.credit},
        )
    for rid, when in obs.deferred.items():
        conn.execute(
            update(Request)
            .where(Request.account == obs.account, Request.request_id == rid)
            .values(next_poll_at=when)
        )
    if obs.give_up_after is not None:
        batch.summary.gave_up += give_up_overdue(
            conn, obs.account, batch.now, obs.give_up_after, deltas
        )
    deltas.apply(conn)
    return batch.summary


def _stand_in(account: str, request_id: str, stored: dict[str, Row]) -> Row:
    """What merging needs of a request, taken from its stored messages."""
    first = next(iter(stored.values()))
    return {
        "account": account,
        "request_id": request_id,
        "gateway": first["gateway"],
        "sender": first["sender"],
        "created_at": first["created_at"],
        "next_poll_at": None,
        "gave_up_at": None,
    }


def due_requests(engine: Engine, account: str, now: datetime, limit: int) -> list[str]:
    """Requests whose next poll is due, most overdue first (served by a partial index)."""
    query = (
        select(Request.request_id)
        .where(
            Request.account == account, Request.gave_up_at.is_(None), Request.next_poll_at <= now
        )
        .order_by(Request.next_poll_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def give_up_overdue(
    conn: Connection, account: str, now: int, horizon: timedelta, deltas: Deltas
) -> int:
    """Stop polling what never reached a final state within the horizon (e.g. polls failing)."""
    cutoff = now - int(horizon.total_seconds())
    m, r = MESSAGES.c, REQUESTS.c
    overdue = [
        dict(row)
        for row in conn.execute(
            select(MESSAGES).where(
                m.account == account,
                m.final_at.is_(None),
                m.gave_up_at.is_(None),
                m.next_poll_at <= now,
                m.first_seen_at < cutoff,
            )
        ).mappings()
    ]
    if overdue:
        conn.execute(
            update(MESSAGES)
            .where(
                m.account == account, m.number == bindparam("n"), m.request_id == bindparam("rid")
            )
            .values(gave_up_at=now, next_poll_at=None),
            [{"n": row["number"], "rid": row["request_id"]} for row in overdue],
        )
        for row in overdue:
            deltas.message_changed(row, {**row, "gave_up_at": now, "next_poll_at": None})
    conn.execute(
        update(REQUESTS)
        .where(
            r.account == account,
            r.gave_up_at.is_(None),
            r.next_poll_at <= now,
            r.first_seen_at < cutoff,
        )
        .values(gave_up_at=now, next_poll_at=None)
    )
    return len(overdue)


def _call_row(account: str, call: Any) -> Row:
    return {
        "account": account,
        "method": call.method,
        "request_id": call.request_id,
        "started_at": to_epoch(call.started_at),
        "duration_ms": call.duration_ms,
        "http_status": call.http_status,
        "error_code": call.error_code,
        "outcome": call.outcome,
        "detail": call.detail,
    }


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(conn: Connection, table: Table, account: str, request_ids: set[str]) -> list[Row]:
    columns = [*row_id(conn), *(c.name for c in table.columns)]
    found: list[Row] = []
    for chunk in _chunks(sorted(request_ids)):
        found.extend(select_rows(conn, table.name, columns, account, list(chunk)))
    return found


def _store(
    conn: Connection,
    table: Table,
    pairs: list[tuple[Row | None, Row]],
    keys: tuple[str, ...],
) -> None:
    """INSERT the new rows; UPDATE the stored ones (paired with what was read), leaving what did
    not change untouched.

    A column left out of SET costs no index maintenance: first_seen_at and a message's
    country never change, and
    sender, gateway and created_at are only written in the rare batch where they changed.
    """
    fresh: list[Row] = []
    same: list[Row] = []
    moved: list[Row] = []
    rare = itemgetter(*RARELY_CHANGED)
    for old, row in pairs:
        if old is None:
            fresh.append(row)
        else:
            (same if rare(old) == rare(row) else moved).append(row)
    columns = [c.name for c in table.columns]
    insert_rows(conn, table.name, columns, fresh)
    fixed = {"account", *keys, "first_seen_at", "country"}
    where = ("account", *keys)
    update_rows(conn, table.name, [c for c in columns if c not in fixed], where, moved)
    update_rows(
        conn,
        table.name,
        [c for c in columns if c not in fixed and c not in RARELY_CHANGED],
        where,
        same,
    )
