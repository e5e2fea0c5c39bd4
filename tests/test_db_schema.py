"""Migrations build the schema from empty on both dialects and match the models."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from db import codes
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base, ErrorCodeRow, ReceiptCode, RequestStateCode
from tests.conftest import ROOT


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
            "country",
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
    assert backlog["column_names"] == [
        "first_seen_at",
        "request_state",
        "receipt_state",
        "account",
        "request_id",
        "number",
        "created_at",
        "gateway",
        "sender",
    ]


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


def documented_columns() -> dict[str, set[str]]:
    """The README's schema table: table -> every key and column it names."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The database schema (a public interface)")[1].split("\n## ")[0]
    documented: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        # Parentheses hold remarks and values (`ok`, `client`), not column names.
        names = re.findall(r"`([a-z_0-9]+)`", re.sub(r"\([^)]*\)", "", cells[0]))
        text = re.sub(r"\([^)]*\)", "", f"{cells[1]}, {cells[2]}")
        columns = {c.strip() for chunk in re.findall(r"`([^`]+)`", text) for c in chunk.split(",")}
        for table in names:
            documented[table] = columns
    return documented


def test_every_column_the_readme_documents_exists_in_its_table(engine: Engine) -> None:
    documented = documented_columns()
    assert len(documented) == 12 and {"poll_count", "country"} <= documented["messages"]
    assert "next_attempt_at" in documented["alert_notifications"]
    inspector = inspect(engine)
    for table, columns in documented.items():
        assert columns <= {c["name"] for c in inspector.get_columns(table)}, (
            table,
            columns - {c["name"] for c in inspector.get_columns(table)},
        )


PARTIAL_INDEXES = {
    "ix_requests_unresolved": "requests (next_poll_at) "
    "where gave_up_at is null and next_poll_at is not null",
    "ix_messages_backlog": "messages (first_seen_at, request_state, receipt_state, account, "
    "request_id, number, created_at, gateway, sender) "
    "where final_at is null and gave_up_at is null",
    "ix_messages_backlog_sender": "messages (sender, first_seen_at, request_state, "
    "receipt_state) where final_at is null and gave_up_at is null",
    "ix_messages_final_at": "messages (final_at) where final_at is not null",
    "ix_messages_gave_up_at": "messages (gave_up_at, first_seen_at) "
    "where final_at is null and gave_up_at is not null",
    "ix_messages_slow_final": "messages (final_at, first_seen_at) "
    "where final_at is not null and final_at - first_seen_at >= 3600",
    "ix_rollup_messages_pending": "rollup_messages (hour, messages) where exit_hour = -1",
    "ix_rollup_outcomes_past_hour": "rollup_outcomes (exit_hour, hour, status, messages) "
    "where exit_hour <> hour",
    "ix_alert_notifications_pending": "alert_notifications (next_attempt_at) "
    "where status = 'pending'",
}


def test_the_partial_indexes_have_their_columns_and_conditions(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'"
            )
        else:
            # This database's schema only: a benchmark's schema beside it has the same indexes.
            query = (
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE strpos(indexdef, 'WHERE') > 0 AND schemaname = current_schema()"
            )
        found = dict(conn.exec_driver_sql(query).all())

    def plain(ddl: str) -> str:
        ddl = ddl.lower().split(" on ", 1)[1].replace("public.", "").replace("using btree ", "")
        ddl = ddl.replace("'-1'::integer", "-1").replace("::text", "")
        table, rest = ddl.split(" ", 1)
        columns, condition = rest.split(" where ", 1)
        return f"{table} {columns} where {re.sub(r'[()]', '', condition)}"

    assert {name: plain(ddl) for name, ddl in found.items()} == PARTIAL_INDEXES
