"""What every benchmark shares: timing, memory, and where results go."""

from __future__ import annotations

import json
import logging
import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
log = logging.getLogger("bench")


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)


def peak_rss_mb() -> float:
    """This process's peak resident set size.

    VmHWM, not getrusage: ru_maxrss survives exec, so a child would inherit the peak of
    the parent that built the database.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float, Any]:
    """Median wall and median CPU milliseconds of the same ``repeat`` warm runs (after one
    warm-up run).

    CPU time is this process's: on a machine crowded by other work it is the steadier figure
    for SQLite, which runs in-process (not for PostgreSQL, whose work happens in the server).
    """
    result = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def machine() -> dict[str, Any]:
    import pandas
    import sqlalchemy
    import streamlit

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "pandas": pandas.__version__,
        "streamlit": streamlit.__version__,
        "cpus": _cpus(),
        "machine": platform.machine(),
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def write_result(name: str, data: dict[str, Any]) -> Path:
    folder = Path(os.environ.get("SMSDASH_BENCH_RESULTS") or RESULTS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, default=str))
    log.info("wrote %s", path)
    return path
