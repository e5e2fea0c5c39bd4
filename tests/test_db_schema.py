"""Migrations build the schema from empty on both dialects and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from db import codes
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base, ErrorCodeRow, ReceiptCode, RequestStateCode


def test_migrations_build_a_schema_that_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_public_tables_and_columns_exist(engine: Engine) -> None:
    inspector = inspect(engine)
    expected = {
        "requests": {
            "account",
            "request_id",
            "gateway",
            "sender",
            "created_at",
            "expires_at",
            "request_state",
            "first_seen_at",
            "last_seen_at",
            "final_at",
        },
        "messages": {
            "account",
            "request_id",
            "number",
            "request_state",
            "receipt_state",
            "expected_receipts",
            "first_seen_at",
            "sent_at",
            "final_at",
            "next_poll_at",
            "gave_up_at",
        },
        "state_changes": {
            "account",
            "request_id",
            "number",
            "kind",
            "old_code",
            "new_code",
            "observed_at",
        },
        "api_calls": {
            "account",
            "method",
            "started_at",
            "duration_ms",
            "http_status",
            "error_code",
            "outcome",
            "detail",
        },
        "credit_samples": {"account", "observed_at", "credit"},
    }
    for table, columns in expected.items():
        assert columns <= {c["name"] for c in inspector.get_columns(table)}, table
    backlog = next(
        i for i in inspector.get_indexes("messages") if i["name"] == "ix_messages_backlog"
    )
    assert backlog["column_names"] == ["first_seen_at", "request_state", "receipt_state"]


def test_upgrading_twice_is_harmless_and_seeds_the_code_tables(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        states = dict(conn.execute(select(RequestStateCode.code, RequestStateCode.final)).all())
        receipts = conn.execute(select(ReceiptCode.meaning_cs).where(ReceiptCode.code == 2))
        errors = dict(conn.execute(select(ErrorCodeRow.code, ErrorCodeRow.retryable)).all())
    assert states == {c: v.final for c, v in codes.REQUEST_STATES.items()}
    assert receipts.scalar_one() == "Zpráva doručena"
    assert errors[103] is False and errors[900] is True


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
