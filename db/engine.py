"""Engine factory: SQLite pragmas for the writer, read-only engines for the dashboard."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///smsdash.db"
BUSY_TIMEOUT_MS = 10_000


class DatabaseUrlError(ValueError):
    """The database URL cannot be used."""


def database_url(value: str | None = None) -> URL:
    """Parse a database URL (default: ``SMSDASH_DATABASE_URL`` or ./smsdash.db)."""
    raw = value or os.environ.get("SMSDASH_DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        url = make_url(raw)
    except Exception as exc:
        raise DatabaseUrlError(f"SMSDASH_DATABASE_URL is not a database URL: {exc}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(
            f"SMSDASH_DATABASE_URL: unsupported database {url.get_backend_name()!r} "
            "(use sqlite:///path or postgresql://...)"
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise DatabaseUrlError(
            "SMSDASH_DATABASE_URL: SQLite needs a file (sqlite:///smsdash.db); "
            "an in-memory database cannot be shared by the collector and the dashboard"
        )
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, writer: bool) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    if writer:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """The collector's read-write engine."""
    parsed = database_url(url) if not isinstance(url, URL) else url
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, writer=True))
        # pysqlite's own transaction handling defers BEGIN; take the write lock up
        # front so a read-then-write transaction cannot deadlock against a reader.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        _disable_pysqlite_begin(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _disable_pysqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None


def make_readonly_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine on which every write fails (the dashboard's)."""
    parsed = database_url(url) if not isinstance(url, URL) else url
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

        engine = create_engine("sqlite://", creator=connect, **kwargs)
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, writer=False))
        return engine
    # A second guard only: the real one is a role that may only SELECT (db/roles.py). An
    # unreachable server answers within the timeout, so a page says so instead of hanging.
    connect_args = {"options": "-c default_transaction_read_only=on", "connect_timeout": 10}
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
