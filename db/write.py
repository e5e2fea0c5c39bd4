"""The collector's write path: one poll cycle's observations in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.codes import RECEIPTS, REQUEST_STATES, is_message_final, is_request_state_final
from db.models import ApiCall, CreditSample, Message, Request, StateChange
from db.records import NumberRecord, Observations, RequestRecord, WriteSummary
from db.rollup import Deltas

log = logging.getLogger(__name__)

REQUESTS: Table = Request.__table__  # type: ignore[assignment]
MESSAGES: Table = Message.__table__  # type: ignore[assignment]
CHUNK = 500  # keeps IN (...) lists far below SQLite's parameter limit

Row = dict[str, Any]


def record(engine: Engine, obs: Observations) -> WriteSummary:
    """Write everything one cycle observed, atomically and idempotently."""
    with engine.begin() as conn:
        return record_in(conn, obs)


def record_in(conn: Connection, obs: Observations) -> WriteSummary:
    summary = WriteSummary()
    deltas = Deltas()
    changes: list[Row] = []
    answered = {rid: nums for rid, nums in obs.statuses.items() if nums}
    req_ids = {r.request_id for r in obs.listed} | set(obs.statuses)
    known_requests = _load(conn, REQUESTS, obs.account, req_ids, ("request_id",))
    requests: dict[str, Row] = {}
    for rec in obs.listed:
        old = requests.get(rec.request_id) or known_requests.get((rec.request_id,))
        requests[rec.request_id] = _merge_request(old, rec, obs, changes, summary)
    for rid in obs.statuses:
        if rid not in requests:
            old = known_requests.get((rid,))
            requests[rid] = dict(old) if old else _new_request(obs, rid, summary)

    known_messages = _load(conn, MESSAGES, obs.account, set(answered), ("request_id", "number"))
    messages: list[Row] = []
    for rid, numbers in answered.items():
        request = requests[rid]
        merged = {
            rec.number: _merge_message(
                known_messages.get((rid, rec.number)), rec, request, obs, changes, summary
            )
            for rec in _last_per_number(numbers)
        }
        for number, row in merged.items():
            deltas.message_changed(known_messages.get((rid, number)), row)
        messages.extend(merged.values())
        siblings = [m for (r, n), m in known_messages.items() if r == rid and n not in merged]
        _reschedule_request(request, [*merged.values(), *siblings], obs.observed_at)

    _upsert(conn, REQUESTS, list(requests.values()), ("account", "request_id"))
    deltas.filters.update(
        (r["account"], r["sender"] or "", r["gateway"] or "") for r in requests.values()
    )
    _upsert(conn, MESSAGES, messages, ("account", "request_id", "number"))
    if changes:
        conn.execute(insert(StateChange), changes)
    summary.state_changes = len(changes)
    for call in obs.api_calls:
        deltas.call(obs.account, call)
    if obs.api_calls:
        conn.execute(
            insert(ApiCall),
            [{"account": obs.account, **_call_row(c)} for c in obs.api_calls],
        )
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
        summary.gave_up += give_up_overdue(
            conn, obs.account, obs.observed_at, obs.give_up_after, deltas
        )
    deltas.apply(conn)
    return summary


def due_requests(engine: Engine, account: str, now: datetime, limit: int) -> list[str]:
    """Requests whose next poll is due, most overdue first (served by a partial index)."""
    query = (
        select(Request.request_id)
        .where(
            Request.account == account,
            Request.gave_up_at.is_(None),
            Request.next_poll_at <= now,
        )
        .order_by(Request.next_poll_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def give_up_overdue(
    conn: Connection, account: str, now: datetime, horizon: timedelta, deltas: Deltas
) -> int:
    """Stop polling what never reached a final state within the horizon (e.g. polls failing)."""
    cutoff = now - horizon
    overdue = [
        dict(row)
        for row in conn.execute(
            select(MESSAGES).where(
                Message.account == account,
                Message.final_at.is_(None),
                Message.gave_up_at.is_(None),
                Message.next_poll_at <= now,
                Message.first_seen_at < cutoff,
            )
        ).mappings()
    ]
    if overdue:
        conn.execute(
            update(Message)
            .where(
                Message.account == account,
                Message.number == bindparam("n"),
                Message.request_id == bindparam("rid"),
            )
            .values(gave_up_at=now, next_poll_at=None),
            [{"n": row["number"], "rid": row["request_id"]} for row in overdue],
        )
        for row in overdue:
            deltas.message_changed(row, {**row, "gave_up_at": now, "next_poll_at": None})
    conn.execute(
        update(Request)
        .where(
            Request.account == account,
            Request.gave_up_at.is_(None),
            Request.next_poll_at <= now,
            Request.first_seen_at < cutoff,
        )
        .values(gave_up_at=now, next_poll_at=None)
    )
    return len(overdue)


def _call_row(call: Any) -> Row:
    return {
        "method": call.method,
        "request_id": call.request_id,
        "started_at": call.started_at,
        "duration_ms": call.duration_ms,
        "http_status": call.http_status,
        "error_code": call.error_code,
        "outcome": call.outcome,
        "detail": call.detail,
    }


def _last_per_number(numbers: Sequence[NumberRecord]) -> Iterable[NumberRecord]:
    # A number listed twice in one answer: the later line wins, as the API lists in order.
    return {n.number: n for n in numbers}.values()


def _new_request(obs: Observations, request_id: str, summary: WriteSummary) -> Row:
    summary.new_requests += 1
    return {
        "account": obs.account,
        "request_id": request_id,
        "gateway": None,
        "sender": None,
        "created_at": None,
        "expires_at": None,
        "remaining": None,
        "request_state": None,
        "first_seen_at": obs.observed_at,
        "last_seen_at": obs.observed_at,
        "final_at": None,
        "next_poll_at": obs.observed_at,
        "gave_up_at": None,
    }


def _merge_request(
    old: Row | None, rec: RequestRecord, obs: Observations, changes: list[Row], s: WriteSummary
) -> Row:
    now = obs.observed_at
    row = dict(old) if old else _new_request(obs, rec.request_id, s)
    row.update(
        gateway=rec.gateway or row["gateway"],
        sender=rec.sender or row["sender"],
        created_at=rec.created_at or row["created_at"],
        expires_at=rec.expires_at or row["expires_at"],
        remaining=rec.remaining,
        last_seen_at=now,
    )
    state = rec.request_state
    if row["final_at"] is not None and state != row["request_state"]:
        log.warning(
            "request %s: final state %s kept, later answer said %s",
            rec.request_id,
            row["request_state"],
            state,
        )
        s.kept_final += 1
        return row
    if state != row["request_state"]:
        changes.append(
            _change(obs, rec.request_id, None, "request_state", row["request_state"], state)
        )
        row["request_state"] = state
    if row["final_at"] is None and is_request_state_final(state):
        row["final_at"] = now
    return row


def _merge_message(
    old: Row | None,
    rec: NumberRecord,
    request: Row,
    obs: Observations,
    changes: list[Row],
    s: WriteSummary,
) -> Row:
    now = obs.observed_at
    if old is None:
        s.new_messages += 1
        row: Row = {
            "account": obs.account,
            "request_id": request["request_id"],
            "number": rec.number,
            "request_state": None,
            "receipt_state": None,
            "first_seen_at": now,
            "sent_at": None,
            "final_at": None,
            "gave_up_at": None,
            "poll_count": 0,
        }
    else:
        row = dict(old)
    row.update(
        gateway=request["gateway"],
        sender=request["sender"],
        created_at=request["created_at"] or row.get("created_at"),
        expected_receipts=rec.expected_receipts,
        last_seen_at=now,
        poll_count=row["poll_count"] + 1,
    )
    new = (rec.request_state, rec.receipt_state)
    if row["final_at"] is not None:
        if new != (row["request_state"], row["receipt_state"]):
            log.warning(
                "message %s/%s: final state %s/%s kept, later answer said %s/%s",
                request["request_id"],
                _mask(rec.number),
                row["request_state"],
                row["receipt_state"],
                *new,
            )
            s.kept_final += 1
        row["next_poll_at"] = None
        return row
    for kind, key, code in (
        ("request_state", "request_state", rec.request_state),
        ("receipt", "receipt_state", rec.receipt_state),
    ):
        if row[key] != code:
            changes.append(_change(obs, request["request_id"], rec.number, kind, row[key], code))
            row[key] = code
    if row["sent_at"] is None and (rec.request_state == 2 or (rec.receipt_state or 0) > 0):
        row["sent_at"] = now
    # A line with a code the table does not know is doubtful: it may not end polling.
    if is_message_final(*new) and all(c is None or c in known for c, known in _with_tables(new)):
        row.update(final_at=now, next_poll_at=None)
        s.became_final += 1
    elif row["gave_up_at"] is None:
        delay = obs.schedule(now - row["first_seen_at"])
        if delay is None:
            row.update(gave_up_at=now, next_poll_at=None)
            s.gave_up += 1
        else:
            row["next_poll_at"] = now + delay
    return row


def _with_tables(codes: tuple[int | None, int | None]) -> zip[tuple[int | None, Any]]:
    return zip(codes, (REQUEST_STATES, RECEIPTS), strict=True)


def _reschedule_request(request: Row, messages: list[Row], now: datetime) -> None:
    """A request is due when its earliest live message is; done when none is live."""
    live = [m for m in messages if m["final_at"] is None]
    polls = [m["next_poll_at"] for m in live if m["gave_up_at"] is None]
    request["next_poll_at"] = min(polls) if polls else None
    if live and not polls and request["gave_up_at"] is None:
        request["gave_up_at"] = now


def _change(
    obs: Observations, rid: str, number: str | None, kind: str, old: int | None, new: int | None
) -> Row:
    return {
        "account": obs.account,
        "request_id": rid,
        "number": number,
        "kind": kind,
        "old_code": old,
        "new_code": new,
        "observed_at": obs.observed_at,
    }


def _mask(number: str) -> str:
    return number[:-6] + "•••" + number[-3:] if len(number) > 6 else "•••"


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(
    conn: Connection, table: Table, account: str, request_ids: set[str], key: tuple[str, ...]
) -> dict[tuple[str, ...], Row]:
    found: dict[tuple[str, ...], Row] = {}
    for chunk in _chunks(sorted(request_ids)):
        query = select(table).where(and_(table.c.account == account, table.c.request_id.in_(chunk)))
        for row in conn.execute(query).mappings():
            found[tuple(row[k] for k in key)] = dict(row)
    return found


def _upsert(conn: Connection, table: Table, rows: list[Row], keys: tuple[str, ...]) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    columns = [c.name for c in table.columns if c.name not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
    conn.execute(stmt, rows)
