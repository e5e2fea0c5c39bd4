"""Rollups kept up to date by the write path equal a rebuild from the raw tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, select

from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.curves import COMPLETION
from db.days import DAY_ROLLUPS
from db.migrate import alembic_config, upgrade
from db.rebuild import rebuild
from db.records import NumberRecord, Observations, RequestRecord
from db.rollup import (
    CALLS,
    COUNTRIES,
    DELAYS,
    FILTERS,
    MESSAGES,
    OUTCOMES,
    delay_bucket,
    latency_bucket,
)
from db.write import record
from tests.seed import seed
from tests.sim_helpers import make_poller, poll_until_truth, send_mix


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = {
        "messages": MESSAGES,
        "outcomes": OUTCOMES,
        "delays": DELAYS,
        "calls": CALLS,
        "countries": COUNTRIES,
        "filters": FILTERS,
        "completion": COMPLETION,
        **{pair.daily.name: pair.daily for pair in DAY_ROLLUPS},
    }
    with engine.connect() as conn:
        return {
            name: sorted(
                tuple(r) for r in conn.execute(select(table)) if r[-1] != 0 or name == "filters"
            )
            for name, table in tables.items()
        }


def rebuilt(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.begin() as conn:
        rebuild(conn)
    return snapshot(engine)


def test_rollups_after_the_seed_equal_a_rebuild(engine: Engine) -> None:
    seed(engine)
    incremental = snapshot(engine)
    assert incremental["messages"], "the seed fills the rollups"
    assert incremental == rebuilt(engine)


def test_upgrading_a_filled_database_from_the_first_revision_fills_every_rollup(
    engine: Engine,
) -> None:
    seed(engine)
    expected = snapshot(engine)
    names = ("messages", "outcomes", "delays", "calls", "countries", "completion")
    assert all(expected[name] for name in names)
    assert all(expected[pair.daily.name] for pair in DAY_ROLLUPS)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    upgrade(engine)  # 0002, 0004, 0008, 0010 and 0011 fill the rollup tables they create
    assert snapshot(engine) == expected


def test_rollups_follow_changes_give_ups_and_kept_finals(engine: Engine) -> None:
    t0 = datetime(2026, 3, 18, 10, 59, 30, tzinfo=UTC)
    listed = [RequestRecord("1", "high", t0, None, "MyShop", 2, 1)]
    record(
        engine,
        Observations(
            "a",
            t0,
            listed=listed,
            statuses={
                "1": [NumberRecord("420777000001", 1, 1, 0), NumberRecord("420777000002", 1, 1, 0)]
            },
        ),
    )
    # across the hour: one delivered, one waits; then a stale line and a give-up sweep
    record(
        engine,
        Observations(
            "a",
            t0 + timedelta(minutes=2),
            statuses={
                "1": [NumberRecord("420777000001", 2, 0, 2), NumberRecord("420777000002", 2, 1, 5)]
            },
        ),
    )
    record(
        engine,
        Observations(
            "a", t0 + timedelta(minutes=3), statuses={"1": [NumberRecord("420777000001", 2, 1, 1)]}
        ),
    )
    record(engine, Observations("a", t0 + timedelta(hours=80), give_up_after=timedelta(hours=72)))
    incremental = snapshot(engine)
    statuses = {(row[6], row[7] != -1) for row in incremental["messages"]}
    assert statuses == {("delivered", True), ("gave_up", True)}
    assert incremental == rebuilt(engine)


def test_rollups_after_a_faulty_collector_run_equal_a_rebuild(engine: Engine) -> None:
    key = "rollup-key"
    gateway = Gateway([Account(key)], scale=100)
    with SimulatorServer(gateway) as server:
        send_mix(gateway, key)
        poll_until_truth(make_poller(server.url, engine, key), gateway, engine, timeout=60)
    assert snapshot(engine) == rebuilt(engine)


def test_delay_and_latency_buckets_keep_small_values_exact() -> None:
    delays = (0, 9, 12, 59, 61, 599, 601, 4000, 90100)
    assert [delay_bucket(s) for s in delays] == [0, 9, 10, 55, 60, 570, 600, 3600, 90000]
    assert [latency_bucket(ms) for ms in (3.7, 42, 420, 4200, 42000)] == [3, 40, 400, 4000, 40000]


def test_percentiles_pick_the_smallest_value_reaching_each_quantile() -> None:
    from db.read.split import percentiles

    assert percentiles({1: 1, 2: 1, 3: 1, 4: 1}, (0.5, 0.9, 0.99)) == [2, 4, 4]
    assert percentiles({5: 10}, (0.5, 0.99)) == [5, 5]
    assert percentiles({10: 98, 500: 2}, (0.5, 0.98, 0.99)) == [10, 10, 500]
