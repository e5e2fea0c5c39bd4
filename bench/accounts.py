"""Many accounts in one process: the healthy accounts' freshness beside a rejected key and a
9xx storm, against one account polled alone with the same load per account."""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.freshness import TimedClient, Watcher, histories, measure, percentiles
from bench.gateway import Simulator, Store, loadavg, make_poller, migrated
from collector.fleet import each_account


def _fleet(
    accounts: int,
    per_account: int,
    latency: float,
    concurrency: int,
    interval: float,
    window: float,
    scale: float,
    store: Store,
    faulty: bool,
) -> dict[str, Any]:
    """``accounts`` pollers in one process for ``window`` seconds; with ``faulty`` the last
    two are a rejected key and a 9xx storm. Freshness over the healthy ones."""
    healthy = accounts - 2 if faulty else accounts
    keys = [f"bench-account-{i:02d}" for i in range(accounts)]
    storm = (keys[healthy],) if faulty else ()
    sim = Simulator(
        latency, scale, more_keys=tuple(keys[1:healthy]), storm_keys=storm, api_key=keys[0]
    )
    name = "fleet" if faulty else "alone"
    db_url = store.url(f"poll-{name}-{accounts}")
    load_before = loadavg()
    try:
        for i, key in enumerate(keys[: healthy + (1 if faulty else 0)]):
            sim.send([f"4207{i:02d}{j:05d}{j % 10}" for j in range(per_account)], key)
        engine = migrated(db_url, accounts)
        pollers = [
            make_poller(
                sim.url,
                engine,
                concurrency,
                interval,
                key="rejected-bench-key" if faulty and i == accounts - 1 else key,
                account=f"a{i:02d}",
            )
            for i, key in enumerate(keys)
        ]
        watcher = Watcher(db_url)
        watcher.start()
        stop = threading.Event()

        def end() -> None:
            stop.set()
            for p in pollers:
                p.stop()

        timer = threading.Timer(window, end)
        start = time.monotonic()
        timer.start()
        each_account(pollers, lambda p: p.run(stop))
        time.sleep(1.0)
        watcher.stop()
        moves = {i: histories(sim.url, keys[i]) for i in range(healthy)}
    finally:
        sim.stop()
    engine.dispose()  # twenty pollers' pool must not outlive the phase
    fresh: dict[str, list[float]] = {"change_to_row": [], "answer_to_row": [], "turn_wait": []}
    for i in range(healthy):
        client = pollers[i].client
        assert isinstance(client, TimedClient)
        one = measure(watcher, client.answered, moves[i], f"a{i:02d}", start)
        for k, values in one.items():
            fresh[k].extend(values)
    return {
        "accounts": accounts,
        "healthy_accounts": healthy,
        "requests_per_account": per_account,
        "window_s": window,
        "cycles_per_healthy_account": round(sum(p.cycles for p in pollers[:healthy]) / healthy, 1),
        "cycles_storm": pollers[healthy].cycles if faulty else None,
        "cycles_rejected": pollers[-1].cycles if faulty else None,
        "change_to_row": percentiles(fresh["change_to_row"]),
        "answer_to_row": percentiles(fresh["answer_to_row"]),
        "load_before": load_before,
        "load_after": loadavg(),
    }


def accounts_run(
    accounts: int,
    per_account: int,
    latency: float,
    concurrency: int,
    interval: float,
    window: float,
    scale: float,
    store: Store,
) -> dict[str, Any]:
    args = (per_account, latency, concurrency, interval, window, scale, store)
    alone = _fleet(1, *args, faulty=False)
    fleet = _fleet(accounts, *args, faulty=True)

    def ratio(key: str, p: str) -> float | None:
        a, b = alone[key][p], fleet[key][p]
        return None if not a or b is None else round(b / a, 3)

    return {
        "latency_s": latency,
        "concurrency": concurrency,
        "poll_interval_s": interval,
        "simulator_scale": scale,
        "single_account": alone,
        "many_accounts": fleet,
        "change_to_row_p50_ratio": ratio("change_to_row", "p50_s"),
        "change_to_row_p99_ratio": ratio("change_to_row", "p99_s"),
    }
