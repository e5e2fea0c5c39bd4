"""Build a synthetic smsdash database of N messages quickly, inside SQLite itself.

The mix: about 93 % delivered, each failure kind (receipts 3, 6, 7, 8; request states 4
and 7), 2 % not final (given up when older than 72 h, pending when younger), 90 days of
history, two numbers per request, and API errors in bursts. Numbers are 85 % Czech, then
Slovak, German, Polish, Austrian and 1 % of an unknown calling code; their country is
derived by db.country, as at ingest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from db.country import country_of
from db.engine import make_engine
from db.migrate import upgrade
from db.rebuild import rebuild

log = logging.getLogger("bench.synth")
DAY = 86400
HORIZON = 72 * 3600
GATEWAYS = ("high", "economy", "lowcost", "direct")
SENDERS = ("MyShop", "Bank", "Doctor", "Courier", "SMSMANAGER")
GENERATOR_MODULES = (
    "models.py",
    "rollup.py",
    "days.py",
    "rebuild.py",
    "curves.py",
    "country.py",
)
# (share in percent up to, first number, numbers): a destination per calling code
NUMBERS = (
    (85, 420600000000, 399999999),
    (91, 421900000000, 99999999),
    (95, 4915100000000, 99999999),
    (97, 48500000000, 99999999),
    (99, 436640000000, 9999999),
    (100, 999100000000, 99999999),
)


def _pick(values: tuple[str, ...], expr: str) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def _seq(n: int) -> str:
    return f"WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1})"


def _messages_sql(n: int, start: int, end: int, step: float) -> str:
    recent = end - HORIZON
    return f"""
{_seq(n)}
INSERT INTO messages (account, request_id, number, gateway, sender, created_at, request_state,
    receipt_state, expected_receipts, first_seen_at, last_seen_at, sent_at, final_at,
    next_poll_at, gave_up_at, poll_count, country)
SELECT 'bench', CAST(10000000 + i / 2 AS TEXT), num,
  {_pick(GATEWAYS, "(i / 2) * 40503")}, {_pick(SENDERS, "(i / 2) * 2654435761 / 7")},
  fs - 5,
  CASE WHEN h < 9700 THEN 2 WHEN h < 9750 THEN 4 WHEN h < 9800 THEN 7 ELSE 2 END,
  CASE WHEN h < 9300 THEN 2 WHEN h < 9500 THEN 3 WHEN h < 9600 THEN 6 WHEN h < 9650 THEN 7
       WHEN h < 9700 THEN 8 WHEN h < 9800 THEN 0 WHEN h % 2 = 1 THEN 1 ELSE 5 END,
  CASE WHEN h < 9800 THEN 0 ELSE 1 END,
  fs, fs + 60,
  CASE WHEN h < 9700 OR h >= 9800 THEN fs + 3 END,
  CASE WHEN h < 9300 THEN fs + 5 + h % 55 WHEN h < 9500 THEN fs + 60 + h % 600
       WHEN h < 9600 THEN fs + 3600 * (1 + h % 40) WHEN h < 9650 THEN fs + 30
       WHEN h < 9700 THEN fs + 45 WHEN h < 9750 THEN fs WHEN h < 9800 THEN fs + 600 END,
  CASE WHEN h >= 9800 AND fs >= {recent} THEN {end} + 60 END,
  CASE WHEN h >= 9800 AND fs < {recent} THEN fs + {HORIZON} END,
  3, country_of(num)
FROM (SELECT i, {start} + CAST(i * {step!r} AS INTEGER) AS fs, (i * 2654435761) % 10000 AS h,
      {_number("i")} AS num FROM seq)
"""


def _number(i: str) -> str:
    whens = " ".join(
        f"WHEN ({i} * 48271) % 100 < {upto} THEN CAST({first} + ({i} * 7919) % {n} AS TEXT)"
        for upto, first, n in NUMBERS
    )
    return f"CASE {whens} END"


def _requests_sql(n: int, start: int, step: float) -> str:
    return f"""
{_seq((n + 1) // 2)}
INSERT INTO requests (account, request_id, gateway, sender, created_at, expires_at, remaining,
    request_state, first_seen_at, last_seen_at, final_at, next_poll_at, gave_up_at)
SELECT 'bench', CAST(10000000 + i AS TEXT), {_pick(GATEWAYS, "i * 40503")},
  {_pick(SENDERS, "i * 2654435761 / 7")}, fs - 5, NULL, 0, 2, fs, fs + 60, fs + 3, NULL, NULL
FROM (SELECT i, {start} + CAST(2 * i * {step!r} AS INTEGER) AS fs FROM seq)
"""


def _calls_sql(m: int, start: int, span: int) -> str:
    step = span / m
    return f"""
{_seq(m)}
INSERT INTO api_calls (account, method, request_id, started_at, duration_ms, http_status,
    error_code, outcome, detail)
SELECT 'bench',
  CASE WHEN k % 10 = 0 THEN 'RequestList' WHEN k % 97 = 1 THEN 'GetUserInfo'
       ELSE 'RequestStatus' END,
  NULL, {start} + CAST(k * {step!r} AS INTEGER),
  CASE WHEN burst AND k % 6 = 3 THEN 30000.0 ELSE 20.0 + (k * 37) % 200 END,
  CASE WHEN NOT burst THEN 200 WHEN k % 6 IN (0, 1) THEN 500 WHEN k % 6 = 2 THEN 503
       WHEN k % 6 = 5 THEN 401 END,
  CASE WHEN burst AND k % 6 = 0 THEN 912 WHEN burst AND k % 6 = 1 THEN 950
       WHEN burst AND k % 6 = 5 THEN 103 END,
  CASE WHEN NOT burst THEN 'ok' WHEN k % 6 IN (0, 1, 2) THEN 'server_error'
       WHEN k % 6 = 3 THEN 'timeout' WHEN k % 6 = 4 THEN 'connection' ELSE 'client_error' END,
  CASE WHEN burst THEN 'synthetic failure' END
FROM (SELECT i AS k, (i / 400) % 80 = 0 AS burst FROM seq)
"""


def _indexes(conn: sqlite3.Connection, tables: tuple[str, ...]) -> list[str]:
    marks = ",".join("?" * len(tables))
    rows = conn.execute(
        f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tables,
    ).fetchall()
    return [r[0] for r in rows]


def build(path: Path, messages: int, days: int = 90, end: int | None = None) -> dict[str, Any]:
    """Create ``path`` with ``messages`` messages ending at ``end`` (default: now)."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    end = end or int(time.time())
    span = days * DAY
    start = end - span
    step = span / messages
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("country_of", 1, country_of, deterministic=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    tables = ("messages", "requests", "api_calls", "state_changes", "credit_samples")
    ddl = _indexes(conn, tables)
    for statement in ddl:
        conn.execute(f"DROP INDEX {statement.split()[2]}")
    conn.execute("BEGIN")
    conn.execute(_messages_sql(messages, start, end, step))
    conn.execute(_requests_sql(messages, start, step))
    conn.execute(_calls_sql(messages // 2, start, span))
    conn.execute(f"""{_seq(span // 300)}
        INSERT INTO credit_samples (account, observed_at, credit)
        SELECT 'bench', {start} + i * 300, 100000.0 - i * 0.5 FROM seq""")
    for kind, column in (("request_state", "request_state"), ("receipt", "receipt_state")):
        conn.execute(f"""INSERT INTO state_changes (account, request_id, number, kind, old_code,
            new_code, observed_at) SELECT account, request_id, number, '{kind}', NULL, {column},
            first_seen_at FROM messages WHERE first_seen_at >= {end - 3 * DAY}""")
    conn.execute("COMMIT")
    for statement in ddl:
        conn.execute(statement)
    conn.close()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as sa_conn:
        rebuild(sa_conn)
        sa_conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    meta = {
        "messages": messages,
        "days": days,
        "end": end,
        "build_seconds": round(time.perf_counter() - started, 1),
        "size_mb": round(path.stat().st_size / 2**20, 1),
    }
    path.with_suffix(".json").write_text(json.dumps(meta))
    log.info("built %s: %s", path, meta)
    return meta


def generator_hash() -> str:
    """What a synthetic database depends on: this generator, the schema and the rollups."""
    root = Path(__file__).resolve().parents[1]
    files = [root / "bench" / "synth.py", *(root / "db" / n for n in GENERATOR_MODULES)]
    files += sorted((root / "db" / "migrations" / "versions").glob("*.py"))
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def ensure(folder: Path, messages: int) -> tuple[Path, dict[str, Any]]:
    """The database of ``messages`` built by this generator, built now if missing.

    Its name holds the generator's hash, so a change to the generator or the schema builds a
    new one (older builds of the same size are removed); its age does not matter, as the
    benchmarks measure at the time it ends.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{messages}-{generator_hash()}.db"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        if meta.get("messages") == messages:
            return path, meta
    for old in folder.glob(f"bench-{messages}-*"):
        old.unlink()
    return path, build(path, messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, required=True, help="where the databases live")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path, meta = ensure(args.folder, args.messages)
    log.info("%s: %s", path, meta)


if __name__ == "__main__":
    main()
