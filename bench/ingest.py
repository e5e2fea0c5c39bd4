"""Ingest benchmark: the collector's real write path against raw writes of the same rows.

On a copy of a synthetic database, 100,000 new messages (50,000 requests of two numbers)
arrive not final, then all of them turn final; both passes go through ``db.write.record``
in batches of 1,000 numbers. The reference upserts the same rows with plain ``sqlite3``
``executemany`` into a table like ``messages`` with two secondary indexes, in the same run.
A floor is measured too: the least an update that keeps history must write, precomputed.
With ``--postgres`` the same passes run on PostgreSQL against COPY + a set-based upsert
(bench/ingest_pg.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import RESULTS, setup_logging, write_result
from bench.dashboard import drop_schema
from bench.ingest_pg import run_postgres
from bench.synth import ensure
from db.engine import make_engine
from db.records import NumberRecord, Observations
from db.write import record

log = logging.getLogger("bench.ingest")
BATCH = 1000
RAW_UPSERT = """
INSERT INTO raw_messages (account, request_id, number, gateway, sender, request_state,
    receipt_state, expected_receipts, first_seen_at, last_seen_at, final_at, poll_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (account, request_id, number) DO UPDATE SET
    request_state = excluded.request_state, receipt_state = excluded.receipt_state,
    expected_receipts = excluded.expected_receipts, last_seen_at = excluded.last_seen_at,
    final_at = coalesce(raw_messages.final_at, excluded.final_at),
    poll_count = raw_messages.poll_count + 1
"""

FLOOR_MESSAGE = """
UPDATE messages SET request_state = ?, receipt_state = ?, next_poll_at = NULL, last_seen_at = ?,
    final_at = ?, poll_count = poll_count + 1
WHERE account = ? AND request_id = ? AND number = ?
"""
FLOOR_CHANGE = """
INSERT INTO state_changes (account, request_id, number, kind, old_code, new_code, observed_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""
FLOOR_REQUEST = "UPDATE requests SET next_poll_at = NULL WHERE account = ? AND request_id = ?"


def _batches(
    count: int, receipt: int, base: int = 90_000_000
) -> Iterator[dict[str, list[NumberRecord]]]:
    per_request = 2
    requests = count // per_request
    for first in range(0, requests, BATCH // per_request):
        yield {
            str(base + r): [
                NumberRecord(
                    f"4207{(r * per_request + k):08d}", 2, 0 if receipt == 2 else 1, receipt
                )
                for k in range(per_request)
            ]
            for r in range(first, min(first + BATCH // per_request, requests))
        }


def _ours(path: Path, count: int, before_updates: Path) -> dict[str, float]:
    """Both passes through the write path; a copy of the database between them."""
    engine = make_engine(f"sqlite:///{path}")
    figures = {}
    now = datetime.now(UTC)
    for label, receipt in (("new_per_s", 1), ("updates_per_s", 2)):
        if receipt == 2:
            engine.dispose()
            shutil.copyfile(path, before_updates)
        batches = [
            Observations("bench", now + timedelta(seconds=i), statuses=batch)
            for i, batch in enumerate(_batches(count, receipt), start=1)
        ]
        now += timedelta(seconds=len(batches) + 1)
        start = time.perf_counter()
        for observations in batches:
            record(engine, observations)
        figures[label] = count / (time.perf_counter() - start)
    engine.dispose()
    return figures


def _floor(path: Path, count: int) -> float:
    """The statements an update must run at the least, with every value known in advance.

    The final receipt written by key, one state-change row, the request's schedule cleared:
    no stored row read, no merge, no rollups. Whatever keeps history cannot beat this.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    stamp = int(time.time()) + 10 * count
    batches = []
    for batch in _batches(count, 2):
        stamp += 1
        numbers = [(rid, n) for rid, ns in batch.items() for n in ns]
        batches.append(
            (
                [(2, n.receipt_state, stamp, stamp, "bench", rid, n.number) for rid, n in numbers],
                [("bench", rid, n.number, "receipt", 1, 2, stamp) for rid, n in numbers],
                [("bench", rid) for rid in batch],
            )
        )
    updated = 0
    start = time.perf_counter()
    for messages, changes, requests in batches:
        conn.execute("BEGIN IMMEDIATE")
        updated += conn.executemany(FLOOR_MESSAGE, messages).rowcount
        conn.executemany(FLOOR_CHANGE, changes)
        conn.executemany(FLOOR_REQUEST, requests)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    if updated != count:  # a floor that missed its rows would flatter itself
        raise RuntimeError(f"floor updated {updated} of {count} messages")
    return count / elapsed


def _raw(path: Path, count: int) -> dict[str, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("DROP TABLE IF EXISTS raw_messages")
    conn.execute("CREATE TABLE raw_messages AS SELECT * FROM messages")
    conn.execute("CREATE UNIQUE INDEX raw_pk ON raw_messages (account, request_id, number)")
    conn.execute("CREATE INDEX raw_first_seen ON raw_messages (first_seen_at)")
    conn.execute("CREATE INDEX raw_final ON raw_messages (final_at)")
    figures = {}
    stamp = int(time.time())
    for label, receipt in (("new_per_s", 1), ("updates_per_s", 2)):
        batches = []
        for batch in _batches(count, receipt):
            stamp += 1
            batches.append(
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
                        stamp if receipt == 2 else None,
                    )
                    for rid, numbers in batch.items()
                    for n in numbers
                ]
            )
        start = time.perf_counter()
        for rows in batches:
            conn.execute("BEGIN")
            conn.executemany(RAW_UPSERT, rows)
            conn.execute("COMMIT")
        figures[label] = count / (time.perf_counter() - start)
    conn.close()
    return figures


def run(messages: int, count: int, folder: Path, postgres: str | None = None) -> dict[str, Any]:
    source, _meta = ensure(folder, messages)
    load_before = [round(x, 2) for x in os.getloadavg()]
    work = folder / "ingest-work.db"
    shutil.copyfile(source, work)
    before_updates = folder / "ingest-floor.db"
    raw = _raw(work, count)
    ours = _ours(work, count, before_updates)
    floor = _floor(before_updates, count)
    work.unlink()
    before_updates.unlink()
    result: dict[str, Any] = {
        "database_messages": messages,
        "messages_written": count,
        "batch": BATCH,
        "write_path": {k: round(v) for k, v in ours.items()},
        "raw_sqlite3": {k: round(v) for k, v in raw.items()},
        "ratio": {k: round(ours[k] / raw[k], 3) for k in ours},
        "floor_updates_per_s": round(floor),
        "floor_ratio": round(floor / raw["updates_per_s"], 3),
        # the target: the write path's updates against the history-keeping floor
        "write_path_to_floor": round(ours["updates_per_s"] / floor, 3),
        "load_average": {"before": load_before},
    }
    for key in ("new_per_s", "updates_per_s"):
        log.info(
            "%-14s write path %8.0f rows/s   raw sqlite3 %8.0f rows/s   ratio %.2f",
            key,
            ours[key],
            raw[key],
            ours[key] / raw[key],
        )
    log.info(
        "floor          precomputed update + change row + schedule %8.0f rows/s   ratio %.2f",
        floor,
        floor / raw["updates_per_s"],
    )
    log.info("write path updates / floor: %.2f", result["write_path_to_floor"])
    if postgres:
        schema = "ingest_small" if count < 10_000 else "ingest_work"
        result["postgresql"] = run_postgres(postgres, source, count, schema, _batches)
        if count < 10_000:
            drop_schema(postgres, schema)  # throwaway, in CI's test database
    result["load_average"]["after"] = [round(x, 2) for x in os.getloadavg()]
    log.info("load average before and after: %s", result["load_average"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="database size")
    parser.add_argument("--count", type=int, default=100_000, help="messages written")
    parser.add_argument("--small", action="store_true", help="a quick run (CI keeps it working)")
    parser.add_argument("--folder", type=Path, default=RESULTS / "db")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SMSDASH_BENCH_POSTGRES_URL"),
        help="PostgreSQL database to measure too, in a schema of its own "
        "(default: SMSDASH_BENCH_POSTGRES_URL; none: SQLite only)",
    )
    args = parser.parse_args()
    setup_logging()
    if args.small:
        args.messages, args.count = 20_000, 4_000
    result = run(args.messages, args.count, args.folder, args.postgres)
    write_result("ingest-small" if args.small else "ingest", result)


if __name__ == "__main__":
    main()
