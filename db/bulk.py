"""Bulk statements at the driver level: the write path's hot loop, without per-row overhead.

SQLite runs each as an ``executemany`` of a prepared statement (its per-row cost is small);
PostgreSQL as one set-based statement over ``unnest()`` of one binary array per column, a
single round trip however many rows (row by row it spent most of its time waiting on the
server), and plain inserts as a COPY.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, exc

from db.models import Base

Row = dict[str, Any]


def set_based(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


@cache
def _unnest(table: str, columns: tuple[str, ...], dialect: Dialect) -> str:
    """A row source over one array parameter per column, typed as the table's columns."""
    types = [Base.metadata.tables[table].c[c].type.compile(dialect=dialect) for c in columns]
    # %b: binary arrays, which psycopg dumps several times faster than text ones
    # (those quote every string with a regular expression)
    arrays = ", ".join(f"%b::{t}[]" for t in types)
    return f"unnest({arrays}) AS v({', '.join(columns)})"


def _arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _set_insert(
    conn: Connection, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], tail: str
) -> None:
    source = _unnest(table, columns, conn.dialect)
    names = ", ".join(columns)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}{tail}",
        tuple(_arrays(rows, len(columns))),
    )


def _copy(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """COPY the rows in: psycopg formats them in C, and the server inserts them in bulk.

    It runs on the driver's connection, inside the transaction; its errors are raised as
    SQLAlchemy's, as every other statement's.
    """
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    driver = conn.connection.dbapi_connection
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as err:
        # What SQLAlchemy does for its own statements: a lost connection is invalidated
        # here, so the pool drops it and the error says what happened (not the rollback's).
        lost = conn.dialect.is_disconnect(err, driver, None)
        if lost:
            conn.invalidate(err)
        raise exc.DBAPIError.instance(
            sql,
            None,
            err,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=conn.dialect,
        ) from err


def placeholder(conn: Connection) -> str:
    """The driver's positional parameter mark."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


@cache
def _insert_sql(table: str, columns: tuple[str, ...], mark: str) -> str:
    names = ", ".join(columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})"


@cache
def _update_sql(table: str, columns: tuple[str, ...], keys: tuple[str, ...], mark: str) -> str:
    assignments = ", ".join(f"{c} = {mark}" for c in columns)
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    return f"UPDATE {table} SET {assignments} WHERE {where}"


def insert_values(
    conn: Connection, table: str, columns: Sequence[str], values: list[tuple[Any, ...]]
) -> None:
    """INSERT rows given as tuples in ``columns`` order."""
    if values and set_based(conn):
        _copy(conn, table, columns, values)
    elif values:
        conn.exec_driver_sql(_insert_sql(table, tuple(columns), placeholder(conn)), values)


@cache
def _add_sql(table: str, keys: tuple[str, ...], column: str, mark: str) -> str:
    names = ", ".join((*keys, column))
    marks = ", ".join([mark] * (len(keys) + 1))
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {column} = {table}.{column} + excluded.{column}"
    )


Counts = tuple[str, tuple[str, ...], str, list[tuple[Any, ...]]]  # table, key, column, rows
Shape = tuple[str, tuple[str, ...], str]  # table, key, column


def _upsert_sql(table: str, keys: tuple[str, ...], column: str, dialect: Dialect) -> str:
    names = ", ".join((*keys, column))
    source = _unnest(table, (*keys, column), dialect)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source} "
        f"ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {column} = {table}.{column} + excluded.{column}"
    )


def _delete_sql(table: str, keys: tuple[str, ...], column: str, dialect: Dialect) -> str:
    where = " AND ".join(f"{table}.{k} = v.{k}" for k in keys)
    return (
        f"DELETE FROM {table} USING {_unnest(table, keys, dialect)} "
        f"WHERE {table}.{column} = 0 AND {where}"
    )


@cache
def _upserts_sql(shapes: tuple[Shape, ...], dialect: Dialect) -> str:
    """Every table's upsert in one statement, a WITH part each; it answers, per table, how
    many of the rows it wrote are at zero now."""
    parts = ", ".join(
        f"w{n} AS ({_upsert_sql(table, keys, column, dialect)} RETURNING {column})"
        for n, (table, keys, column) in enumerate(shapes)
    )
    zeros = ", ".join(
        f"(SELECT count(*) FROM w{n} WHERE {column} = 0)"
        for n, (_table, _keys, column) in enumerate(shapes)
    )
    return f"WITH {parts} SELECT {zeros}"


@cache
def _deletes_sql(shapes: tuple[Shape, ...], dialect: Dialect) -> str:
    parts = ", ".join(
        f"w{n} AS ({_delete_sql(table, keys, column, dialect)})"
        for n, (table, keys, column) in enumerate(shapes)
    )
    return f"WITH {parts} SELECT 1"


def add_counts(conn: Connection, counts: Sequence[Counts]) -> None:
    """Add each row's last value to ``column`` of the row with its key (created at need), in
    each table; rows that drop to zero are removed (by key: a scan would touch them all).

    PostgreSQL adds to every table in one statement (a WITH part per table, empty ones too,
    so that its text and plan stay the same); a second one removes rows only in the tables
    where that statement left some at zero (most writes remove nothing).
    """
    emptied = [
        (table, keys, column, [row[:-1] for row in rows if row[-1] < 0])
        for table, keys, column, rows in counts
    ]
    if set_based(conn):
        if not any(rows for *_, rows in counts):
            return
        shapes = tuple((table, keys, column) for table, keys, column, _ in counts)
        params = [a for _, keys, _, rows in counts for a in _arrays(rows, len(keys) + 1)]
        zeros = conn.exec_driver_sql(_upserts_sql(shapes, conn.dialect), tuple(params)).one()
        gone = [item for item, n in zip(emptied, zeros, strict=True) if n]
        if gone:
            conn.exec_driver_sql(
                _deletes_sql(tuple((t, k, c) for t, k, c, _ in gone), conn.dialect),
                tuple(a for _, keys, _, rows in gone for a in _arrays(rows, len(keys))),
            )
        return
    mark = placeholder(conn)
    for (table, keys, column, rows), (*_, gone_rows) in zip(counts, emptied, strict=True):
        if rows:
            conn.exec_driver_sql(_add_sql(table, keys, column, mark), rows)
        if gone_rows:
            by_key = " AND ".join(f"{k} = {mark}" for k in keys)
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE {column} = 0 AND {by_key}", gone_rows)


def insert_missing(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT the rows whose key is not stored yet; leave the others alone."""
    if rows and set_based(conn):
        _set_insert(conn, table, columns, rows, " ON CONFLICT DO NOTHING")
    elif rows:
        sql = _insert_sql(table, columns, placeholder(conn)) + " ON CONFLICT DO NOTHING"
        conn.exec_driver_sql(sql, rows)


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: list[Row]) -> None:
    if rows:
        cols = tuple(columns)
        values = itemgetter(*cols)
        insert_values(conn, table, cols, [values(row) for row in rows])


def row_id(conn: Connection) -> tuple[str, ...]:
    """SQLite's rowid, selected with a stored row so that its UPDATE skips the key lookup."""
    return ("rowid",) if conn.dialect.name == "sqlite" else ()


def update_rows(
    conn: Connection, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[Row]
) -> None:
    """UPDATE only the named columns: indexes on the others are left alone.

    Rows read with their ``row_id`` are found by it; otherwise by ``keys``.
    """
    if not rows:
        return
    cols = tuple(columns)
    rid = row_id(conn)
    key = rid if rid and rid[0] in rows[0] else tuple(keys)
    values = itemgetter(*cols, *key)
    if set_based(conn):
        assignments = ", ".join(f"{c} = v.{c}" for c in cols)
        where = " AND ".join(f"{table}.{k} = v.{k}" for k in key)
        conn.exec_driver_sql(
            f"UPDATE {table} SET {assignments} FROM {_unnest(table, (*cols, *key), conn.dialect)} "
            f"WHERE {where}",
            tuple(_arrays([values(row) for row in rows], len(cols) + len(key))),
        )
        return
    conn.exec_driver_sql(
        _update_sql(table, cols, key, placeholder(conn)), [values(row) for row in rows]
    )


@cache
def _select_sql(table: str, columns: tuple[str, ...], count: int, mark: str) -> str:
    marks = ", ".join([mark] * count)
    return (
        f"SELECT {', '.join(columns)} FROM {table} "
        f"WHERE account = {mark} AND request_id IN ({marks})"
    )


def select_rows(
    conn: Connection, table: str, columns: Sequence[str], account: str, request_ids: list[str]
) -> list[Row]:
    """The rows of these requests, as dicts of raw column values."""
    if not request_ids:
        return []
    cols = tuple(columns)
    result = conn.exec_driver_sql(
        _select_sql(table, cols, len(request_ids), placeholder(conn)), (account, *request_ids)
    )
    return [dict(zip(cols, row)) for row in result.cursor.fetchall()]  # noqa: B905 (hot loop)


def update_schedules(conn: Connection, requests: list[Row]) -> None:
    """Write only a request's next poll, and its give-up time unless one is stored."""
    if not requests:
        return
    rows = [(r["next_poll_at"], r["gave_up_at"], r["account"], r["request_id"]) for r in requests]
    if set_based(conn):
        source = _unnest(
            "requests", ("next_poll_at", "gave_up_at", "account", "request_id"), conn.dialect
        )
        conn.exec_driver_sql(
            f"UPDATE requests SET next_poll_at = v.next_poll_at, "
            f"gave_up_at = coalesce(requests.gave_up_at, v.gave_up_at) FROM {source} "
            f"WHERE requests.account = v.account AND requests.request_id = v.request_id",
            tuple(_arrays(rows, 4)),
        )
        return
    m = placeholder(conn)
    conn.exec_driver_sql(
        f"UPDATE requests SET next_poll_at = {m}, gave_up_at = coalesce(gave_up_at, {m}) "
        f"WHERE account = {m} AND request_id = {m}",
        rows,
    )
