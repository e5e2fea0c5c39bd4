"""The ingest benchmark on PostgreSQL: the write path against COPY + a set-based upsert.

In a schema of its own loaded from the synthetic SQLite file (fresh each run), the same
two passes as on SQLite: new messages not final, then all turning final. Three figures
from the same run: the write path, the same write path with its bulk statements sent row by
row (``executemany``: what it did before), and the reference — each batch COPYed into a
temporary table and upserted into a copy of ``messages`` with one INSERT … SELECT … ON
CONFLICT.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.pgload import ensure_postgres
from db import bulk
from db.engine import make_engine
from db.records import NumberRecord, Observations
from db.write import record

log = logging.getLogger("bench.ingest")
RAW_COLUMNS = (
    "account, request_id, number, gateway, sender, request_state, receipt_state, "
    "expected_receipts, first_seen_at, last_seen_at, final_at"
)
RAW_UPSERT = f"""
INSERT INTO raw_messages ({RAW_COLUMNS}, poll_count) SELECT {RAW_COLUMNS}, 1 FROM raw_in
ON CONFLICT (account, request_id, number) DO UPDATE SET
    request_state = excluded.request_state, receipt_state = excluded.receipt_state,
    expected_receipts = excluded.expected_receipts, last_seen_at = excluded.last_seen_at,
    final_at = coalesce(raw_messages.final_at, excluded.final_at),
    poll_count = raw_messages.poll_count + 1
"""

Batches = Callable[[int, int, int], Iterator[dict[str, list[NumberRecord]]]]


def _write_path(url: str, count: int, base: int, batches: Batches) -> dict[str, float]:
    engine = make_engine(url)
    figures = {}
    now = datetime.now(UTC)
    for label, receipt in (("new_per_s", 1), ("updates_per_s", 2)):
        observations = [
            Observations("bench", now + timedelta(seconds=i), statuses=batch)
            for i, batch in enumerate(batches(count, receipt, base), start=1)
        ]
        now += timedelta(seconds=len(observations) + 1)
        start = time.perf_counter()
        for obs in observations:
            record(engine, obs)
        figures[label] = count / (time.perf_counter() - start)
    engine.dispose()
    return figures


def _row_by_row(url: str, count: int, base: int, batches: Batches) -> dict[str, float]:
    """The same write path with every bulk statement an executemany (the previous one)."""
    set_based = bulk.set_based
    bulk.set_based = lambda conn: False  # type: ignore[assignment]
    try:
        return _write_path(url, count, base, batches)
    finally:
        bulk.set_based = set_based  # type: ignore[assignment]


def _reference(url: str, count: int, batches: Batches) -> dict[str, float]:
    figures = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_messages")
        conn.execute("CREATE TABLE raw_messages AS SELECT * FROM messages")
        conn.execute("CREATE UNIQUE INDEX raw_pk ON raw_messages (account, request_id, number)")
        conn.execute("CREATE INDEX raw_first_seen ON raw_messages (first_seen_at)")
        conn.execute("CREATE INDEX raw_final ON raw_messages (final_at)")
        conn.execute(f"CREATE TEMP TABLE raw_in AS SELECT {RAW_COLUMNS} FROM messages LIMIT 0")
        conn.commit()
        stamp = int(time.time())
        for label, receipt in (("new_per_s", 1), ("updates_per_s", 2)):
            prepared = []
            for batch in batches(count, receipt, 70_000_000):
                stamp += 1
                final = stamp if receipt == 2 else None
                prepared.append(
                    [
                        (
                            "bench",
                            rid,
                            n.number,
                            "high",
                            "MyShop",
                            n.request_state,
                            n.receipt_state,
                            n.expected_receipts,
                            stamp,
                            stamp,
                            final,
                        )
                        for rid, numbers in batch.items()
                        for n in numbers
                    ]
                )
            start = time.perf_counter()
            for rows in prepared:
                with conn.cursor() as cursor:
                    with cursor.copy(f"COPY raw_in ({RAW_COLUMNS}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cursor.execute(RAW_UPSERT)
                    cursor.execute("TRUNCATE raw_in")
                conn.commit()
            figures[label] = count / (time.perf_counter() - start)
        conn.execute("DROP TABLE raw_messages")
        conn.commit()
    return figures


def run_postgres(
    postgres: str, source: Path, count: int, schema: str, batches: Batches
) -> dict[str, Any]:
    """The three figures, in a schema loaded afresh for this run."""
    from bench.dashboard import drop_schema

    drop_schema(postgres, schema)  # a previous run wrote into it
    url, _seconds = ensure_postgres(postgres, source, schema)
    reference = _reference(url, count, batches)
    old = _row_by_row(url, count, 80_000_000, batches)
    ours = _write_path(url, count, 90_000_000, batches)
    result = {
        "write_path": {k: round(v) for k, v in ours.items()},
        "row_by_row": {k: round(v) for k, v in old.items()},
        "copy_upsert": {k: round(v) for k, v in reference.items()},
        "ratio": {k: round(ours[k] / reference[k], 3) for k in ours},
        "speedup": {k: round(ours[k] / old[k], 2) for k in ours},
    }
    for key in ours:
        log.info(
            "postgresql %-14s write path %7.0f rows/s  row by row %7.0f  COPY+upsert %7.0f"
            "  ratio %.2f  speed-up %.1fx",
            key,
            ours[key],
            old[key],
            reference[key],
            result["ratio"][key],
            result["speedup"][key],
        )
    return result
