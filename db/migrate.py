"""Create or upgrade the schema with Alembic, then seed the code tables from db.codes."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, delete, insert, text

from db import codes
from db.models import ErrorCodeRow, ReceiptCode, RequestStateCode

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x736D7364_6D696772 >> 1  # "smsdmigr", within a signed 64-bit key


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call on every start."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two collectors starting at once on an empty database: one migrates, the
            # other waits here and then finds the schema at head.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), "head")
        seed_codes(conn)
    log.info("database schema is up to date")


def seed_codes(conn: Connection) -> None:
    """Rewrite the code tables so SQL users see the same labels as the dashboard."""
    conn.execute(delete(RequestStateCode))
    conn.execute(delete(ReceiptCode))
    conn.execute(delete(ErrorCodeRow))
    conn.execute(
        insert(RequestStateCode),
        [
            {
                "code": c.code,
                "name": c.name,
                "meaning_en": c.meaning_en,
                "meaning_cs": c.meaning_cs,
                "final": c.final,
            }
            for c in codes.REQUEST_STATES.values()
        ],
    )
    conn.execute(
        insert(ReceiptCode),
        [
            {
                "code": c.code,
                "name": c.name,
                "meaning_en": c.meaning_en,
                "meaning_cs": c.meaning_cs,
                "final": c.final,
            }
            for c in codes.RECEIPTS.values()
        ],
    )
    errors = [*codes.ERRORS.values(), codes.SYSTEM_ERROR]
    conn.execute(
        insert(ErrorCodeRow),
        [
            {
                "code": e.code,
                "name": "server" if e.retryable else "client",
                "meaning_en": e.meaning_en,
                "meaning_cs": e.meaning_cs,
                "http_status": e.http_status,
                "retryable": e.retryable,
            }
            for e in errors
        ],
    )
