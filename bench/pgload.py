"""A synthetic SQLite database copied into its own PostgreSQL schema, for the benchmarks.

The same rows on both engines (COPY from the SQLite file), so their figures compare. Each
size has its own schema, tagged with the SQLite file's name (which holds the generator's
hash): a new generator reloads it. Nothing outside that schema is touched.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

from db.engine import database_url, make_engine
from db.migrate import upgrade

log = logging.getLogger("bench.pgload")
SKIP = {"alembic_version", "request_state_codes", "receipt_codes", "error_codes"}
CHUNK = 20_000


def schema_url(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    mark = "&" if "?" in url else "?"
    return f"{url}{mark}options={quote(f'-c search_path={schema}')}"


def _tag(engine: Engine, schema: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = :s AND table_name = 'bench_meta'"
            ),
            {"s": schema},
        ).first()
        if not found:
            return None
        tag = conn.execute(text(f'SELECT tag FROM "{schema}".bench_meta')).scalar()
        return None if tag is None else str(tag)


def ensure_postgres(url: str, source: Path, schema: str) -> tuple[str, float | None]:
    """The URL of ``schema`` holding ``source``'s rows (loaded now if not yet); load seconds."""
    admin = create_engine(database_url(url))
    try:
        if _tag(admin, schema) == source.stem:
            return schema_url(url, schema), None
        started = time.perf_counter()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        target = schema_url(url, schema)
        engine = make_engine(target)
        upgrade(engine)
        _load(engine, source, schema)
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'SET search_path = "{schema}"'))
            conn.execute(text("VACUUM ANALYZE"))  # index-only scans need the visibility map
        with admin.begin() as conn:
            conn.execute(text(f'CREATE TABLE "{schema}".bench_meta (tag text)'))
            conn.execute(text(f'INSERT INTO "{schema}".bench_meta VALUES (:t)'), {"t": source.stem})
        seconds = time.perf_counter() - started
        log.info("loaded %s into schema %s in %.0f s", source.name, schema, seconds)
        return target, seconds
    finally:
        admin.dispose()


def _load(engine: Engine, source: Path, schema: str) -> None:
    """COPY every table with its secondary indexes and foreign keys dropped, then restore them."""
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    tables = [
        row[0]
        for row in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if row[0] not in SKIP and not row[0].startswith("sqlite_")
    ]
    with engine.begin() as conn:
        indexes = conn.execute(
            text(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class c ON c.oid = x.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND NOT x.indisprimary AND NOT x.indisunique"
            ),
            {"s": schema},
        ).all()
        keys = conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND connamespace = CAST(:s AS regnamespace)"
            ),
            {"s": schema},
        ).all()
        for table, name, _definition in keys:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        driver: Any = conn.connection.driver_connection
        for table in tables:
            _copy(lite, driver, table)
        for table in ("state_changes", "api_calls", "credit_samples"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        for _name, definition in indexes:
            conn.execute(text(definition))
        for table, name, definition in keys:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    lite.close()


def _copy(lite: sqlite3.Connection, driver: Any, table: str) -> None:
    columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
    names = ", ".join(columns)
    rows = lite.execute(f"SELECT {names} FROM {table}")
    started = time.perf_counter()
    count = 0
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        while chunk := rows.fetchmany(CHUNK):
            for row in chunk:
                copy.write_row(row)
            count += len(chunk)
    log.info("  %s: %d rows in %.0f s", table, count, time.perf_counter() - started)
