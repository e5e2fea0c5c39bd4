"""Dashboard benchmark: every page's data functions at every range, 1M and 10M messages,
on SQLite and PostgreSQL (the same rows)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import RESULTS, peak_rss_mb, setup_logging, timed, write_result
from bench.synth import ensure

log = logging.getLogger("bench.dashboard")
ROOT = Path(__file__).resolve().parents[1]


# Day buckets at Prague's local midnight, one or two hours off UTC's: a range holding a
# clock change (custom_90d half the year round) is read in pieces of one offset each.
ZONE = "Europe/Prague"
RANGES = ("1h", "24h", "7d", "30d", "custom_90d")
BY_SENDER_RANGES = ("24h", "30d")


def range_filters(name: str, now_epoch: int, sender: str | None) -> Any:
    """The filters the dashboard sets for a preset (from its first bucket's start until now)
    or for a custom range of 90 whole local days ending today."""
    from zoneinfo import ZoneInfo

    from dashboard.ranges import custom_range, preset_range
    from db.read.filters import Filters
    from db.types import from_epoch

    now, tz = from_epoch(now_epoch), ZoneInfo(ZONE)
    if name == "custom_90d":
        today = now.astimezone(tz).date()
        start, end = custom_range(today - timedelta(days=89), today, tz)
        return Filters(start, end, sender=sender)
    span = {"1h": timedelta(hours=1), "24h": timedelta(hours=24)}.get(name) or timedelta(
        days=int(name.rstrip("d"))
    )
    start, end = preset_range(now, span, tz)
    return Filters(start, end, sender=sender)


def page_functions(url: str, now_epoch: int, f: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """What each page calls with the filters ``f``."""
    from db.engine import make_readonly_engine
    from db.read import (
        backlog,
        countries,
        curves,
        errors,
        health,
        history,
        insights,
        late,
        messages,
        meta,
        overview,
    )
    from db.read.filters import bucket_seconds
    from db.types import from_epoch

    engine = make_readonly_engine(url)
    now = from_epoch(now_epoch)
    seconds = bucket_seconds(f)
    query = messages.MessageQuery(f)
    app = {
        "database_state": lambda: meta.database_state(engine),
        "filter_options": lambda: meta.filter_options(engine),
    }
    return {
        "overview": {
            **app,
            "kpis": lambda: overview.kpis(engine, f),
            "kpis_previous": lambda: overview.kpis(engine, f.previous()),
            "request_states": lambda: overview.request_state_distribution(engine, f),
            "receipts": lambda: overview.receipt_distribution(engine, f),
            "outcome_over_time": lambda: overview.outcome_over_time(engine, f, seconds, ZONE),
        },
        "backlog": {
            **app,
            "backlog_history": lambda: history.backlog_history(engine, f, seconds, ZONE),
            "aging": lambda: backlog.aging(engine, f, now),
            "stuck": lambda: backlog.stuck(engine, f, timedelta(minutes=30), now),
            "time_to_final": lambda: backlog.time_to_final(engine, f),
            "late": lambda: late.late(engine, f, now, timedelta(minutes=30)),
            "late_previous": lambda: late.late_count(
                engine, f, now - (f.end - f.start), timedelta(minutes=30)
            ),
        },
        "errors": {
            **app,
            "errors_over_time": lambda: errors.errors_over_time(engine, f, seconds, ZONE),
            "error_table": lambda: errors.error_table(engine, f),
        },
        "messages": {
            **app,
            "page": lambda: messages.page(engine, query),
            "count": lambda: messages.count(engine, query),
        },
        "health": {
            **app,
            "last_calls": lambda: health.last_calls(engine, None),
            "runway": lambda: health.runway(engine, None, now),
            "calls_over_time": lambda: health.calls_over_time(engine, f, max(60, seconds), ZONE),
            "latency": lambda: health.latency(engine, f),
            "credit": lambda: health.credit_series(engine, f, max(60, seconds), ZONE),
        },
        "insights": {
            **app,
            "receipt_coverage": lambda: insights.receipt_coverage(engine, f, ZONE),
            "outcome_shift": lambda: insights.outcome_shift(engine, f),
            "gateway_curves": lambda: curves.gateway_curves(engine, f),
            "incomplete_requests": lambda: curves.incomplete_requests(
                engine, f, now, timedelta(minutes=30)
            ),
            "by_country": lambda: countries.by_country(engine, f),
        },
    }


def measure(
    url: str, end: int, messages_count: int, repeat: int, only: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every page (or those in ``only``) at every range and two ranges by sender: each
    function's warm median, wall and CPU time of the same runs, and the load around them."""
    result: dict[str, Any] = {"messages": messages_count, "load_average": [load_average()]}
    views = [(r, None) for r in RANGES] + [(f"{r}_by_sender", "Bank") for r in BY_SENDER_RANGES]
    for label, sender in views:
        f = range_filters(label.removesuffix("_by_sender"), end, sender)
        pages = {}
        for page, functions in page_functions(url, end, f).items():
            if only and page not in only:
                continue
            wall, cpu = {}, {}
            for name, fn in functions.items():
                wall_ms, cpu_ms, _ = timed(fn, repeat)
                wall[name], cpu[name] = round(wall_ms, 2), round(cpu_ms, 2)
            pages[page] = _page(wall, cpu)
        result[label] = pages
    result["load_average"].append(load_average())
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def _page(wall: dict[str, float], cpu: dict[str, float]) -> dict[str, Any]:
    return {
        "functions_ms": wall,
        "functions_cpu_ms": cpu,
        "total_ms": round(sum(wall.values()), 2),
        "total_cpu_ms": round(sum(cpu.values()), 2),
    }


def apptest(url: str) -> dict[str, Any]:
    """A full AppTest run of every page (default view), cold and then warm."""
    from streamlit.testing.v1 import AppTest

    os.environ["SMSDASH_DATABASE_URL"] = url
    pages = [
        None,
        *(f"views/{p}.py" for p in ("backlog", "errors", "messages", "health", "insights")),
    ]
    timings = {}
    for page in pages:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        runs = []
        for _ in range(2):
            start = time.perf_counter()
            at.run()
            if page:
                at.switch_page(page).run()
            runs.append(round((time.perf_counter() - start) * 1000, 1))
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].value}")
        timings[page or "views/overview.py"] = {"cold_ms": runs[0], "warm_ms": runs[1]}
    # its own key: the AppTest process also holds Streamlit, not only the data functions
    return {"apptest": timings, "apptest_peak_rss_mb": round(peak_rss_mb(), 1)}


def _child(*args: str) -> dict[str, Any]:
    """Measure in a fresh process so peak memory belongs to the dashboard alone."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each function's median over the rounds; the highest peak memory."""
    merged: dict[str, Any] = {
        "messages": runs[0]["messages"],
        "rounds": len(runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }
    for label, pages_of_first in runs[0].items():
        if not isinstance(pages_of_first, dict):
            continue
        pages = {}
        for page, data in pages_of_first.items():
            wall, cpu = (
                {
                    name: round(statistics.median(r[label][page][key][name] for r in runs), 2)
                    for name in data[key]
                }
                for key in ("functions_ms", "functions_cpu_ms")
            )
            pages[page] = _page(wall, cpu)
        merged[label] = pages
    merged["load_average"] = [r["load_average"] for r in runs]
    return merged


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def databases(
    sizes: list[int],
    folder: Path,
    postgres: str | None,
    schema_prefix: str,
    engines: tuple[str, ...] = ("sqlite", "postgresql"),
) -> dict[str, dict[int, tuple[str, dict[str, Any]]]]:
    """engine -> size -> (URL, build figures): SQLite files, and the same rows in PostgreSQL."""
    from bench.pgload import ensure_postgres

    postgres = postgres if "postgresql" in engines else None
    found: dict[str, dict[int, tuple[str, dict[str, Any]]]] = {}
    for size in sizes:
        path, meta = ensure(folder, size)
        if "sqlite" in engines:
            found.setdefault("sqlite", {})[size] = (f"sqlite:///{path}", meta)
        if postgres:
            url, seconds = ensure_postgres(postgres, path, f"{schema_prefix}{size}")
            found.setdefault("postgresql", {})[size] = (url, {**meta, "load_seconds": seconds})
    return found


def run(
    sizes: list[int],
    folder: Path,
    postgres: str | None,
    rounds: int = 1,
    repeat: int = 5,
    schema_prefix: str = "bench_",
    with_apptest: bool = True,
    engines: tuple[str, ...] = ("sqlite", "postgresql"),
    pages: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Rounds alternate engines and sizes (a process each) so a busy spell hits all alike;
    ``pages`` (default: all) names the pages to measure."""
    dbs = databases(sizes, folder, postgres, schema_prefix, engines)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    loads: list[list[float]] = []
    for _ in range(rounds):
        for engine_name, by_size in dbs.items():
            for size, (url, meta) in by_size.items():
                loads.append(load_average())
                figures = _child(
                    "--measure", url, str(meta["end"]), str(size), str(repeat), ",".join(pages)
                )
                runs.setdefault((engine_name, size), []).append(figures)
    results: dict[str, Any] = {"load_average": loads, "zone": ZONE}
    for (engine_name, size), measured in runs.items():
        url, meta = dbs[engine_name][size]
        figures = _median_of(measured)
        figures["build"] = meta
        if with_apptest and size == sizes[-1]:
            figures.update(_child("--apptest", url))
            for page, times in figures["apptest"].items():
                log.info(
                    "%-10s %9d AppTest %-18s cold %6.0f ms  warm %5.0f ms",
                    engine_name,
                    size,
                    page,
                    *times.values(),
                )
        for key, total in (
            ("ratio_30d_to_24h", "total_ms"),
            ("ratio_30d_to_24h_cpu", "total_cpu_ms"),
        ):
            figures[key] = {
                page: round(figures["30d"][page][total] / max(figures["24h"][page][total], 0.01), 2)
                for page in figures["24h"]
            }
        results.setdefault(engine_name, {})[str(size)] = figures
        _log(engine_name, size, figures)
    if len(sizes) > 1:
        for engine_name in dbs:
            small, large = (results[engine_name][str(s)] for s in (sizes[0], sizes[-1]))
            growth = {
                label: {
                    page: round(large[label][page]["total_ms"] / small[label][page]["total_ms"], 2)
                    for page in large[label]
                }
                for label in RANGES
            }
            results[engine_name]["growth"] = growth
            log.info("%s growth %s -> %s: %s", engine_name, sizes[0], sizes[-1], growth)
    log.info("load average during the rounds: %s", loads)
    return results


def _log(engine_name: str, size: int, figures: dict[str, Any]) -> None:
    labels = [*RANGES, *(f"{r}_by_sender" for r in BY_SENDER_RANGES)]
    head = " ".join(f"{r:>14}" for r in labels)
    log.info("%-10s %9d  %-10s %s", engine_name, size, "ms/page", head)
    for page in figures["24h"]:
        cells = " ".join(f"{figures[r][page]['total_ms']:14.1f}" for r in labels)
        slowest = max(
            ((r, n, v) for r in labels for n, v in figures[r][page]["functions_ms"].items()),
            key=lambda item: item[2],
        )
        log.info(
            "%-10s %9d  %-10s %s  (slowest %s %s %.1f)", engine_name, size, page, cells, *slowest
        )
    log.info("%-10s %9d  wall / CPU ms per function", engine_name, size)
    for page in figures["24h"]:
        for name in figures["24h"][page]["functions_ms"]:
            cells = " ".join(
                f"{figures[r][page]['functions_ms'][name]:7.1f}/"
                f"{figures[r][page]['functions_cpu_ms'][name]:<6.1f}"
                for r in labels
            )
            log.info("%-10s %-20s %s", page, name, cells)
    log.info(
        "%-10s %9d  30d / 24h wall %s, CPU %s; peak RSS %.0f MB; load %s",
        engine_name,
        size,
        figures["ratio_30d_to_24h"],
        figures["ratio_30d_to_24h_cpu"],
        figures["peak_rss_mb"],
        figures["load_average"],
    )


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from db.engine import database_url

    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000", help="message counts")
    parser.add_argument("--small", action="store_true", help="a quick run (CI keeps it working)")
    parser.add_argument("--folder", type=Path, default=RESULTS / "db")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SMSDASH_BENCH_POSTGRES_URL"),
        help="PostgreSQL database for the same measurements, each size in its own schema "
        "(default: SMSDASH_BENCH_POSTGRES_URL; none: SQLite only)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="measurements per size, alternating; medians kept"
    )
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="which of sqlite,postgresql to measure"
    )
    parser.add_argument("--pages", default="", help="pages to measure, e.g. backlog,insights")
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest runs")
    parser.add_argument("--measure", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--apptest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, end, size, repeat, only = args.measure
        figures = measure(
            url, int(end), int(size), int(repeat), tuple(filter(None, only.split(",")))
        )
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    if args.apptest:
        logging.disable(logging.CRITICAL)
        sys.stdout.write(json.dumps(apptest(args.apptest)) + "\n")
        return
    setup_logging()
    if args.small:
        results = run([20_000], args.folder, args.postgres, 1, 1, "bench_small_")
        if args.postgres:
            drop_schema(args.postgres, "bench_small_20000")  # throwaway, in CI's test database
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        engines = tuple(args.engines.split(","))
        pages = tuple(filter(None, args.pages.split(",")))
        results = run(
            sizes,
            args.folder,
            args.postgres,
            args.rounds,
            with_apptest=not args.no_apptest,
            engines=engines,
            pages=pages,
        )
    write_result("dashboard-small" if args.small else "dashboard", results)


if __name__ == "__main__":
    main()
