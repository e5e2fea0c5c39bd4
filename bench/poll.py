"""Poll benchmark: the collector against the simulator with an injected per-call latency.

Phase 1 runs two cycles over N due requests at the default concurrency C and latency L: the
first cycle against the ideal N·L/C, the time to the first status row, and for every state
change the time from the change at the simulator to its row in the database. Phase 2 follows
a mixed set of requests until every number is final, counts status calls per message, and
checks that further cycles poll nothing final. Phase 3 polls twenty accounts in one process
(one with a rejected key, one in a 9xx storm) and holds the others' freshness against one
account polled alone. The simulator runs in its own process, as a remote gateway would.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.accounts import accounts_run
from bench.common import setup_logging, write_result
from bench.freshness import TimedClient, Watcher, histories, measure, percentiles
from bench.gateway import KEY, Simulator, Store, loadavg, make_poller, migrated
from db.models import ApiCall, Message

log = logging.getLogger("bench.poll")


def cycle_time(
    n: int, latency: float, concurrency: int, store: Store, **options: Any
) -> dict[str, Any]:
    """Two cycles: the first timed against N·L/C; the second sees the changes since.
    ``options`` (write_batch, write_interval) set the reference run's write batches."""
    sim = Simulator(latency, scale=1)
    db_url = store.url(f"poll-cycle-{len(options)}")
    load_before = loadavg()
    try:
        # ...8 numbers wait on receipt 5 for two minutes: all stay due, and change meanwhile
        sim.send([f"42077{i:06d}8" for i in range(n)])
        poller = make_poller(sim.url, migrated(db_url), concurrency, 30, **options)
        watcher = Watcher(db_url)
        watcher.start()
        start = time.monotonic()
        summary = poller.cycle()
        first_end = time.monotonic()
        poller.cycle()
        second_end = time.monotonic()
        time.sleep(1.5)  # the watcher's last look
        watcher.stop()
        moves = histories(sim.url, KEY)
    finally:
        sim.stop()
    poller.engine.dispose()  # a phase's pool must not outlive it (PostgreSQL's connections)
    assert isinstance(poller.client, TimedClient)
    seconds = first_end - start
    ideal = n * latency / concurrency
    first_row = watcher.first_after(start)
    fresh = measure(watcher, poller.client.answered, moves, "bench", first_end)
    return {
        "requests": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "write_batch": poller.settings.write_batch,
        "write_interval_s": poller.settings.write_interval,
        "statuses_fetched": summary.statuses,
        "errors": summary.errors,
        "cycle_s": round(seconds, 2),
        "second_cycle_s": round(second_end - first_end, 2),
        "ideal_s": round(ideal, 2),
        "ratio_to_ideal": round(seconds / ideal, 3),
        "first_status_row_s": None if first_row is None else round(first_row - start, 2),
        "change_to_row": percentiles(fresh["change_to_row"]),
        "answer_to_row": percentiles(fresh["answer_to_row"]),
        "turn_wait": percentiles(fresh["turn_wait"]),
        "load_before": load_before,
        "load_after": loadavg(),
    }


def _status_calls(engine: Any) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(ApiCall.method == "RequestStatus")
        return int(conn.execute(query).scalar_one())


def until_final(n: int, latency: float, concurrency: int, store: Store) -> dict[str, Any]:
    sim = Simulator(latency, scale=30)  # a 1 s cycle is a 30 s cycle in gateway time
    db_url = store.url("poll-final")
    try:
        sim.send([f"42060{i:06d}{i % 10}" for i in range(n)])
        engine = migrated(db_url)
        poller = make_poller(sim.url, engine, concurrency, 1.0)
        deadline = time.monotonic() + 600
        cycles = 0
        while time.monotonic() < deadline:
            cycles += 1
            poller.cycle()
            with engine.connect() as conn:
                live = conn.execute(
                    select(func.count()).where(Message.final_at.is_(None))
                ).scalar_one()
                known = conn.execute(select(func.count()).select_from(Message)).scalar_one()
            if known == n and live == 0:
                break
            time.sleep(1.0)
        status_calls = _status_calls(engine)
        for _ in range(3):
            poller.cycle()
        extra = _status_calls(engine) - status_calls
        engine.dispose()
    finally:
        sim.stop()
    return {
        "messages": n,
        "cycles": cycles,
        "all_final": live == 0,
        "status_calls_per_message": round(status_calls / n, 2),
        "status_calls_after_all_final": extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=4, help="the collector's default")
    parser.add_argument("--final-messages", type=int, default=500)
    parser.add_argument("--accounts", type=int, default=20, help="accounts in one process")
    parser.add_argument("--per-account", type=int, default=100, help="requests per account")
    parser.add_argument("--accounts-latency", type=float, default=0.5)
    parser.add_argument("--accounts-window", type=float, default=90.0, help="seconds polled")
    parser.add_argument(
        "--only",
        choices=("cycle", "final", "accounts", "reference"),
        help="run one phase only (reference: the cycle phase with one write per cycle)",
    )
    parser.add_argument("--small", action="store_true", help="a quick run (CI keeps it working)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="write to PostgreSQL (a schema per phase, dropped and made anew) instead of SQLite",
    )
    args = parser.parse_args()
    setup_logging()
    interval, scale = 5.0, 2.0
    if args.small:
        args.requests, args.latency, args.concurrency, args.final_messages = 400, 0.02, 4, 30
        args.accounts, args.per_account, args.accounts_latency = 4, 10, 0.05
        args.accounts_window, interval, scale = 8.0, 1.0, 20.0
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp), args.postgres)
        result["engine"] = store.engine_name
        try:
            if args.only in (None, "cycle"):
                result["cycle"] = cycle_time(args.requests, args.latency, args.concurrency, store)
                log.info("cycle: %s", result["cycle"])
            if args.only == "reference":
                # The whole cycle in one write at its end, as before progressive writes.
                result["reference"] = cycle_time(
                    args.requests,
                    args.latency,
                    args.concurrency,
                    store,
                    write_batch=20_000,
                    write_interval=86_400.0,
                )
                log.info("one write per cycle: %s", result["reference"])
            if args.only in (None, "final"):
                result["until_final"] = until_final(
                    args.final_messages, args.latency, args.concurrency, store
                )
                log.info("until final: %s", result["until_final"])
            if args.only in (None, "accounts"):
                result["accounts"] = accounts_run(
                    args.accounts,
                    args.per_account,
                    args.accounts_latency,
                    args.concurrency,
                    interval,
                    args.accounts_window,
                    scale,
                    store,
                )
                log.info("accounts: %s", result["accounts"])
        finally:
            store.drop()
    suffix = (f"-{args.only}" if args.only else "") + ("-postgres" if args.postgres else "")
    write_result(("poll-small" if args.small else "poll") + suffix, result)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
