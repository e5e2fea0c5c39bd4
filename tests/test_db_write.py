"""The write path on real SQLite files and PostgreSQL: idempotent, final states stick."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from db.engine import make_readonly_engine
from db.models import ApiCall, CreditSample, Message, Request, StateChange
from db.records import ApiCallRecord, NumberRecord, Observations, RequestRecord
from db.write import record

T0 = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)


def listed(rid: str = "1001", state: int = 1) -> RequestRecord:
    return RequestRecord(rid, "high", T0 - timedelta(minutes=1), None, "MyShop", 1, state)


def number(receipt: int, state: int = 2, n: str = "420777111220") -> NumberRecord:
    return NumberRecord(n, state, 1, receipt)


def obs(at: datetime, *numbers: NumberRecord, rid: str = "1001", **kw: object) -> Observations:
    return Observations(
        account="acme", observed_at=at, listed=[listed(rid)], statuses={rid: list(numbers)}, **kw
    )  # type: ignore[arg-type]


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def message_row(engine: Engine, n: str = "420777111220") -> dict[str, object]:
    with engine.connect() as conn:
        return dict(
            conn.execute(select(Message.__table__).where(Message.number == n)).mappings().one()
        )


def test_recording_the_same_batch_twice_changes_no_counts(engine: Engine) -> None:
    batch = obs(T0, number(1), number(0, 1, "420777111221"))
    first = record(engine, batch)
    counts = [count(engine, m) for m in (Request, Message, StateChange)]
    second = record(
        engine, obs(T0 + timedelta(seconds=30), number(1), number(0, 1, "420777111221"))
    )
    # the request's state, and each number's state and receipt, from nothing
    assert first.new_messages == 2 and first.state_changes == 5 == counts[2]
    assert second.state_changes == 0 and second.new_messages == 0
    assert [count(engine, m) for m in (Request, Message, StateChange)] == counts


def test_a_receipt_change_from_1_to_2_writes_one_change_and_sets_final_at(engine: Engine) -> None:
    record(engine, obs(T0, number(1)))
    before = count(engine, StateChange)
    later = T0 + timedelta(minutes=2)
    summary = record(engine, obs(later, number(2)))
    assert summary.state_changes == 1 and summary.became_final == 1
    assert count(engine, StateChange) == before + 1
    row = message_row(engine)
    assert row["receipt_state"] == 2
    assert row["final_at"] == later
    assert row["next_poll_at"] is None
    with engine.connect() as conn:
        change = conn.execute(
            select(StateChange.kind, StateChange.old_code, StateChange.new_code)
            .order_by(StateChange.id.desc())
            .limit(1)
        ).one()
    assert tuple(change) == ("receipt", 1, 2)


def test_a_stale_observation_does_not_undo_a_final_receipt(engine: Engine) -> None:
    record(engine, obs(T0, number(1)))
    record(engine, obs(T0 + timedelta(minutes=1), number(2)))
    changes = count(engine, StateChange)
    summary = record(engine, obs(T0 + timedelta(minutes=2), number(1)))
    assert summary.kept_final == 1
    row = message_row(engine)
    assert row["receipt_state"] == 2
    assert row["final_at"] == T0 + timedelta(minutes=1)
    assert count(engine, StateChange) == changes


def test_times_are_read_back_as_aware_utc(engine: Engine) -> None:
    record(engine, obs(T0, number(1)))
    row = message_row(engine)
    first_seen = row["first_seen_at"]
    assert isinstance(first_seen, datetime)
    assert first_seen.tzinfo is not None and first_seen == T0


def test_sent_at_is_set_once_when_the_request_state_becomes_sent(engine: Engine) -> None:
    record(engine, obs(T0, number(0, state=1)))
    assert message_row(engine)["sent_at"] is None
    record(engine, obs(T0 + timedelta(seconds=10), number(0, state=2)))
    record(engine, obs(T0 + timedelta(seconds=20), number(1, state=2)))
    assert message_row(engine)["sent_at"] == T0 + timedelta(seconds=10)


def test_an_invalid_number_is_final_without_a_receipt(engine: Engine) -> None:
    record(engine, obs(T0, number(0, state=4)))
    row = message_row(engine)
    assert row["final_at"] == T0 and row["next_poll_at"] is None


def test_an_empty_status_answer_changes_nothing(engine: Engine) -> None:
    record(engine, obs(T0, number(1)))
    before = message_row(engine)
    record(engine, obs(T0 + timedelta(seconds=5)))
    after = message_row(engine)
    assert after == before


def test_a_message_past_the_schedule_horizon_is_given_up_not_delivered(engine: Engine) -> None:
    def schedule(age: timedelta) -> timedelta | None:
        return None if age > timedelta(hours=72) else timedelta(minutes=5)

    record(engine, obs(T0, number(5), schedule=schedule))
    assert message_row(engine)["next_poll_at"] == T0 + timedelta(minutes=5)
    summary = record(engine, obs(T0 + timedelta(hours=73), number(5), schedule=schedule))
    row = message_row(engine)
    assert summary.gave_up == 1
    assert row["gave_up_at"] == T0 + timedelta(hours=73)
    assert row["final_at"] is None and row["receipt_state"] == 5
    with engine.connect() as conn:
        req = conn.execute(select(Request.gave_up_at, Request.next_poll_at)).one()
    assert req == (T0 + timedelta(hours=73), None)


def test_messages_whose_polls_keep_failing_are_given_up_at_the_horizon(engine: Engine) -> None:
    record(engine, obs(T0, number(1)))
    late = Observations("acme", T0 + timedelta(hours=80), give_up_after=timedelta(hours=72))
    assert record(engine, late).gave_up == 1
    assert message_row(engine)["gave_up_at"] == T0 + timedelta(hours=80)


def test_api_calls_and_credit_are_recorded_in_the_same_transaction(engine: Engine) -> None:
    call = ApiCallRecord("RequestStatus", T0, 12.5, "server_error", 500, 912, "ERROR|912", "1001")
    record(engine, Observations("acme", T0, api_calls=[call], credit=9999.5))
    with engine.connect() as conn:
        stored = conn.execute(select(ApiCall.error_code, ApiCall.outcome, ApiCall.started_at)).one()
        credit = conn.execute(select(CreditSample.credit)).scalar_one()
    assert tuple(stored) == (912, "server_error", T0)
    assert credit == 9999.5


def test_a_failed_write_leaves_nothing_behind(engine: Engine) -> None:
    bad = Observations(
        "acme",
        T0,
        listed=[listed()],
        statuses={"1001": [number(1)]},
        api_calls=[ApiCallRecord("X" * 500, T0, 1.0, "ok")],  # too long for PostgreSQL
    )
    if engine.dialect.name == "sqlite":
        bad.credit = float("nan")  # SQLite stores NaN as NULL: the NOT NULL column refuses it
    with pytest.raises(DBAPIError):
        record(engine, bad)
    assert count(engine, Request) == 0 and count(engine, Message) == 0


def test_the_readonly_engine_refuses_writes(engine: Engine, db_url: str) -> None:
    record(engine, obs(T0, number(1)))
    readonly = make_readonly_engine(db_url)
    with readonly.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Message)).scalar_one() == 1
    with pytest.raises(DBAPIError), readonly.begin() as conn:
        conn.execute(text("DELETE FROM messages"))
    readonly.dispose()
    assert count(engine, Message) == 1


def test_a_line_with_an_unknown_code_does_not_end_polling(engine: Engine) -> None:
    record(engine, obs(T0, NumberRecord("420777111220", 8, 0, 6)))
    row = message_row(engine)
    assert (row["request_state"], row["receipt_state"]) == (8, 6)
    assert row["final_at"] is None and row["next_poll_at"] == T0  # due again next cycle
    record(engine, obs(T0 + timedelta(seconds=5), number(6)))
    assert message_row(engine)["final_at"] == T0 + timedelta(seconds=5)


def test_a_status_answer_about_stored_numbers_reschedules_the_request_only(
    engine: Engine,
) -> None:
    record(engine, obs(T0, number(1), number(1, n="420777111221")))
    with engine.connect() as conn:
        before = dict(conn.execute(select(Request.__table__)).mappings().one())
    later = T0 + timedelta(minutes=1)
    record(
        engine,
        Observations("acme", later, statuses={"1001": [number(2), number(5, n="420777111221")]}),
    )
    with engine.connect() as conn:
        after = dict(conn.execute(select(Request.__table__)).mappings().one())
    assert before["next_poll_at"] == T0
    assert after["next_poll_at"] == later  # the waiting number keeps it due every cycle
    assert {k: v for k, v in after.items() if k != "next_poll_at"} == {
        k: v for k, v in before.items() if k != "next_poll_at"
    }
    record(
        engine,
        Observations(
            "acme",
            later + timedelta(minutes=1),
            statuses={"1001": [number(2), number(2, n="420777111221")]},
        ),
    )
    with engine.connect() as conn:
        final = conn.execute(select(Request.next_poll_at, Request.gave_up_at)).one()
    assert tuple(final) == (None, None)
    assert message_row(engine, "420777111221")["sender"] == "MyShop"


def test_text_with_tabs_backslashes_and_copy_escapes_is_stored_as_the_gateway_sent_it(
    engine: Engine,
) -> None:
    # The parse layer lets tabs (inside a field) and backslashes through; PostgreSQL's COPY
    # reads both as escapes unless they are escaped themselves, and \N as NULL.
    texts = ["My\tShop", "\\N", "back\\slash\\", "\\\\N\t\\t", "Žluťoučký kůň 🙂"]
    for i, sender in enumerate(texts):
        rid = f"20{i}"
        request = RequestRecord(rid, sender[:16], T0, None, sender, 1, 1)
        record(
            engine,
            Observations("acme\t\\N", T0, listed=[request], statuses={rid: [number(1)]}),
        )
    with engine.connect() as conn:
        stored = conn.execute(
            select(Message.sender, Message.gateway, Message.account).order_by(Message.request_id)
        ).all()
        changes = set(conn.execute(select(StateChange.account)).scalars())
    assert [tuple(row) for row in stored] == [(s, s[:16], "acme\t\\N") for s in texts]
    assert changes == {"acme\t\\N"}


# SQLite stores a NUL character; only PostgreSQL's text refuses it.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_value_postgresql_refuses_in_a_copy_is_a_dbapi_error_and_leaves_nothing_behind(
    engine: Engine,
) -> None:
    assert engine.dialect.name == "postgresql"
    record(engine, obs(T0, number(1)))
    before = [count(engine, m) for m in (Request, Message, StateChange)]
    request = RequestRecord("2001", "high", T0, None, "My\x00Shop", 1, 1)
    with pytest.raises(DBAPIError):  # a SQLAlchemyError: what the poller catches and retries
        record(engine, Observations("acme", T0, listed=[request], statuses={"2001": [number(1)]}))
    assert [count(engine, m) for m in (Request, Message, StateChange)] == before
    record(engine, obs(T0 + timedelta(seconds=30), number(2)))  # the pool's connection still works
    assert message_row(engine)["receipt_state"] == 2


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_connection_lost_during_a_copy_is_reported_as_lost_and_the_next_write_works(
    engine: Engine,
) -> None:
    record(engine, obs(T0, number(1)))
    before = [count(engine, m) for m in (Request, Message, StateChange)]
    holder = engine.connect()
    holder.execute(text("LOCK TABLE state_changes IN ACCESS EXCLUSIVE MODE"))
    failure: list[BaseException] = []

    def write() -> None:
        request = RequestRecord("2002", "high", T0, None, "MyShop", 1, 1)
        try:
            record(
                engine, Observations("acme", T0, listed=[request], statuses={"2002": [number(1)]})
            )
        except BaseException as err:
            failure.append(err)

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 60
    waiting: list[int] = []
    while not waiting and time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = list(
                conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'COPY state_changes%'"
                    )
                ).scalars()
            )
        time.sleep(0.05)
    assert waiting, "the write's COPY never waited on the lock"
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
    writer.join(60)
    holder.rollback()
    holder.close()
    assert not writer.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], DBAPIError), failure
    assert failure[0].connection_invalidated
    assert "terminating connection" in str(failure[0]), str(failure[0])
    assert [count(engine, m) for m in (Request, Message, StateChange)] == before
    record(engine, obs(T0 + timedelta(seconds=30), number(2)))
    assert message_row(engine)["receipt_state"] == 2
