"""Pure merge rules: an observation and the stored row in, the row to store out.

Times here are integer Unix seconds, as stored; the write path converts once at the edge.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from db.codes import RECEIPTS, REQUEST_STATES, is_message_final, is_request_state_final
from db.country import country_of
from db.records import NumberRecord, RequestRecord, Schedule, WriteSummary
from db.types import to_epoch

log = logging.getLogger(__name__)
Row = dict[str, Any]


@dataclass
class Batch:
    """What one write is merging: its account, its instant, and what it produced so far."""

    account: str
    now: int
    schedule: Schedule
    summary: WriteSummary = field(default_factory=WriteSummary)
    # (account, request_id, number, kind, old_code, new_code, observed_at), as stored
    changes: list[tuple[Any, ...]] = field(default_factory=list)

    def change(self, rid: str, number: str | None, kind: str, old: Any, new: Any) -> None:
        self.changes.append((self.account, rid, number, kind, old, new, self.now))


def new_request(batch: Batch, request_id: str) -> Row:
    batch.summary.new_requests += 1
    return {
        "account": batch.account,
        "request_id": request_id,
        "gateway": None,
        "sender": None,
        "created_at": None,
        "expires_at": None,
        "remaining": None,
        "request_state": None,
        "first_seen_at": batch.now,
        "last_seen_at": batch.now,
        "final_at": None,
        "next_poll_at": batch.now,
        "gave_up_at": None,
    }


def _epoch(value: Any) -> int | None:
    return None if value is None else to_epoch(value)


def merge_request(batch: Batch, old: Row | None, rec: RequestRecord) -> Row:
    row = dict(old) if old else new_request(batch, rec.request_id)
    row.update(
        gateway=rec.gateway or row["gateway"],
        sender=rec.sender or row["sender"],
        created_at=_epoch(rec.created_at) or row["created_at"],
        expires_at=_epoch(rec.expires_at) or row["expires_at"],
        remaining=rec.remaining,
        last_seen_at=batch.now,
    )
    state = rec.request_state
    if row["final_at"] is not None and state != row["request_state"]:
        log.warning(
            "request %s: final state %s kept, later answer said %s",
            rec.request_id,
            row["request_state"],
            state,
        )
        batch.summary.kept_final += 1
        return row
    if state != row["request_state"]:
        batch.change(rec.request_id, None, "request_state", row["request_state"], state)
        row["request_state"] = state
    if row["final_at"] is None and is_request_state_final(state):
        row["final_at"] = batch.now
    return row


def last_per_number(numbers: Sequence[NumberRecord]) -> Iterable[NumberRecord]:
    # A number listed twice in one answer: the later line wins, as the API lists in order.
    return {n.number: n for n in numbers}.values()


def _known(request_state: int | None, receipt: int | None) -> bool:
    return (request_state is None or request_state in REQUEST_STATES) and (
        receipt is None or receipt in RECEIPTS
    )


def merge_message(batch: Batch, old: Row | None, rec: NumberRecord, request: Row) -> Row:
    now, s = batch.now, batch.summary
    rid = request["request_id"]
    if old is None:
        s.new_messages += 1
        row: Row = {
            "account": batch.account,
            "request_id": rid,
            "number": rec.number,
            "request_state": None,
            "receipt_state": None,
            "first_seen_at": now,
            "sent_at": None,
            "final_at": None,
            "gave_up_at": None,
            "poll_count": 0,
            "country": country_of(rec.number),  # once: a number does not move
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
                rid,
                mask(rec.number),
                row["request_state"],
                row["receipt_state"],
                *new,
            )
            s.kept_final += 1
        row["next_poll_at"] = None
        return row
    if row["request_state"] != rec.request_state:
        batch.change(rid, rec.number, "request_state", row["request_state"], rec.request_state)
        row["request_state"] = rec.request_state
    if row["receipt_state"] != rec.receipt_state:
        batch.change(rid, rec.number, "receipt", row["receipt_state"], rec.receipt_state)
        row["receipt_state"] = rec.receipt_state
    if row["sent_at"] is None and (rec.request_state == 2 or (rec.receipt_state or 0) > 0):
        row["sent_at"] = now
    # A line with a code the table does not know is doubtful: it may not end polling.
    if is_message_final(*new) and _known(*new):
        row.update(final_at=now, next_poll_at=None)
        s.became_final += 1
    elif row["gave_up_at"] is None:
        delay = batch.schedule(timedelta(seconds=now - row["first_seen_at"]))
        if delay is None:
            row.update(gave_up_at=now, next_poll_at=None)
            s.gave_up += 1
        else:
            row["next_poll_at"] = now + int(delay.total_seconds())
    return row


def reschedule_request(request: Row, messages: Iterable[Row], now: int) -> None:
    """A request is due when its earliest live message is; done when none is live."""
    live = [m for m in messages if m["final_at"] is None]
    polls = [m["next_poll_at"] for m in live if m["gave_up_at"] is None]
    request["next_poll_at"] = min(polls) if polls else None
    if live and not polls and request["gave_up_at"] is None:
        request["gave_up_at"] = now


def mask(number: str) -> str:
    return number[:-6] + "•••" + number[-3:] if len(number) > 6 else "•••"
