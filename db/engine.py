"""Engine factory: SQLite pragmas for the writer, read-only engines for the dashboard."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///smsdash.db"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "-c default_transaction_read_only=on"
# A pooled PostgreSQL connection idle longer than this is checked before use; a busy one is
# not (pool_pre_ping would cost a round trip on every checkout, several per page).
PING_AFTER_IDLE_S = 10.0


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
    # Statement parameters are phone numbers: never in an exception text or a log line.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, writer=True))
        # pysqlite's own transaction handling defers BEGIN; take the write lock up
        # front so a read-then-write transaction cannot deadlock against a reader.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        _disable_pysqlite_begin(engine)
        return engine
    return _ping_when_idle(create_engine(parsed, **kwargs))


def _ping_when_idle(engine: Engine) -> Engine:
    """Test a pooled connection only after it sat idle: a server restart or an idle timeout
    is still caught (the pool then opens a fresh connection), without a ping per checkout."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            raise exc.DisconnectionError("stale pooled connection") from error

    return engine


def _disable_pysqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None


def make_readonly_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine on which every write fails (the dashboard's)."""
    parsed = database_url(url) if not isinstance(url, URL) else url
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

        engine = create_engine("sqlite://", creator=connect, **kwargs)
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, writer=False))
        return engine
    # Options given in the URL (e.g. a search_path) are kept, the read-only one added.
    given = parsed.query.get("options")
    options = " ".join([*([given] if isinstance(given, str) else given or ()), READ_ONLY])
    engine = create_engine(parsed, connect_args={"options": options}, **kwargs)
    return _ping_when_idle(engine)


def describe_url(url: URL) -> str:
    """The database named for a person: the SQLite file's full path, or the server."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {os.path.abspath(url.database or '')}"
    return f"PostgreSQL {url.render_as_string(hide_password=True)}"


def explain(error: BaseException, url: URL) -> str:
    """One line for a database failure: which database, and the likely cause."""
    where = describe_url(url)
    first = str(getattr(error, "orig", None) or error).strip().splitlines()
    cause = first[0] if first else type(error).__name__
    if url.get_backend_name() == "sqlite":
        path = os.path.abspath(url.database or "")
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            cause = f"the folder {folder} does not exist (create it or change SMSDASH_DATABASE_URL)"
        elif _read_only_fs(folder):
            cause = f"{folder} is on a read-only file system"
        elif not os.access(folder, os.W_OK) or (
            os.path.exists(path) and not os.access(path, os.W_OK)
        ):
            cause = f"no write permission for {path} or its folder"
    elif "connect" in cause.lower() or "could not" in cause.lower():
        cause = f"cannot reach the server: {cause}"
    return f"database {where}: {cause}"


def _read_only_fs(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
