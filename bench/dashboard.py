"""Dashboard benchmark: every data function of every page on 1M and 10M synthetic messages."""

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


def page_functions(
    url: str, now_epoch: int, sender: str | None
) -> dict[str, dict[str, Callable[[], Any]]]:
    """What each page calls, with its default filters (the last 24 h, as the dashboard sets
    them: from a whole hour until now), optionally by sender."""
    from db.engine import make_readonly_engine
    from db.read import backlog, errors, health, history, insights, late, messages, meta, overview
    from db.read.filters import Filters, bucket_seconds, sliding_start
    from db.types import from_epoch

    engine = make_readonly_engine(url)
    now = from_epoch(now_epoch)
    f = Filters(sliding_start(now, timedelta(hours=24)), now, sender=sender)
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
            "outcome_over_time": lambda: overview.outcome_over_time(engine, f, seconds),
        },
        "backlog": {
            **app,
            "backlog_history": lambda: history.backlog_history(engine, f, seconds),
            "aging": lambda: backlog.aging(engine, f, now),
            "stuck": lambda: backlog.stuck(engine, f, timedelta(minutes=30), now),
            "time_to_final": lambda: backlog.time_to_final(engine, f),
        },
        "errors": {
            **app,
            "errors_over_time": lambda: errors.errors_over_time(engine, f, seconds),
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
            "calls_over_time": lambda: health.calls_over_time(engine, f, max(60, seconds)),
            "latency": lambda: health.latency(engine, f),
            "credit": lambda: health.credit_series(engine, f, max(60, seconds)),
        },
        "insights": {
            **app,
            "late": lambda: late.late(engine, f, now, timedelta(minutes=30)),
            "late_previous": lambda: late.late_count(
                engine, f, now - timedelta(hours=24), timedelta(minutes=30)
            ),
            "receipt_coverage": lambda: insights.receipt_coverage(engine, f),
            "outcome_shift": lambda: insights.outcome_shift(engine, f),
        },
    }


def measure(path: Path) -> dict[str, Any]:
    meta = json.loads(path.with_suffix(".json").read_text())
    url = f"sqlite:///{path}"
    result: dict[str, Any] = {"messages": meta["messages"]}
    for label, sender in (("default", None), ("by_sender", "Bank")):
        pages = {}
        for page, functions in page_functions(url, meta["end"], sender).items():
            times = {name: round(timed(fn)[0], 2) for name, fn in functions.items()}
            pages[page] = {"functions_ms": times, "total_ms": round(sum(times.values()), 2)}
        result[label] = pages
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def apptest(path: Path) -> dict[str, Any]:
    """A full AppTest run of every page (default view), cold and then warm."""
    from streamlit.testing.v1 import AppTest

    os.environ["SMSDASH_DATABASE_URL"] = f"sqlite:///{path}"
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


def _child(mode: str, path: Path) -> dict[str, Any]:
    """Measure in a fresh process so peak memory belongs to the dashboard alone."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", f"--{mode}", str(path)],
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
    for label in ("default", "by_sender"):
        pages = {}
        for page, data in runs[0][label].items():
            times = {
                name: round(
                    statistics.median(r[label][page]["functions_ms"][name] for r in runs), 2
                )
                for name in data["functions_ms"]
            }
            pages[page] = {"functions_ms": times, "total_ms": round(sum(times.values()), 2)}
        merged[label] = pages
    return merged


def run(sizes: list[int], folder: Path, with_apptest: bool, rounds: int = 1) -> dict[str, Any]:
    """Rounds alternate the sizes (a process each) so that a busy spell hits both alike."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {size: folder / f"bench-{size}.db" for size in sizes}
    builds = {size: ensure(path, size) for size, path in paths.items()}
    runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size, path in paths.items():
            runs[size].append(_child("measure", path))
    results: dict[str, Any] = {}
    for size, path in paths.items():
        figures = _median_of(runs[size])
        figures["build"] = builds[size]
        if with_apptest and size == sizes[-1]:
            figures.update(_child("apptest", path))
            for page, times in figures["apptest"].items():
                log.info(
                    "%9d AppTest %-18s cold %6.0f ms  warm %5.0f ms", size, page, *times.values()
                )
            log.info("%9d AppTest peak RSS %.0f MB", size, figures["apptest_peak_rss_mb"])
        results[str(size)] = figures
        for label in ("default", "by_sender"):
            for page, data in figures[label].items():
                slowest = max(data["functions_ms"].items(), key=lambda kv: kv[1])
                log.info(
                    "%9d %-9s %-9s %7.1f ms  (slowest %s %.1f ms)",
                    size,
                    label,
                    page,
                    data["total_ms"],
                    *slowest,
                )
        log.info("%9d peak RSS %.0f MB", size, figures["peak_rss_mb"])
    if len(sizes) > 1:
        small, large = results[str(sizes[0])], results[str(sizes[-1])]
        growth = {
            page: round(
                large["default"][page]["total_ms"] / max(small["default"][page]["total_ms"], 0.01),
                2,
            )
            for page in large["default"]
        }
        results["growth"] = growth
        log.info("growth %s -> %s: %s", sizes[0], sizes[-1], growth)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000", help="message counts")
    parser.add_argument("--small", action="store_true", help="a quick run (CI keeps it working)")
    parser.add_argument("--folder", type=Path, default=RESULTS / "db")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measurements per size, alternating; medians kept"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--apptest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.stdout.write(json.dumps(measure(args.measure)) + "\n")
        return
    if args.apptest:
        logging.disable(logging.CRITICAL)
        sys.stdout.write(json.dumps(apptest(args.apptest)) + "\n")
        return
    setup_logging()
    sizes = [20_000] if args.small else [int(s) for s in args.sizes.split(",")]
    results = run(sizes, args.folder, with_apptest=True, rounds=1 if args.small else args.rounds)
    write_result("dashboard-small" if args.small else "dashboard", results)


if __name__ == "__main__":
    main()
