"""The benchmarks' small versions run in CI to keep them working (figures are not judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from db.engine import make_engine
from tests.conftest import PG_URL, ROOT

pytestmark = pytest.mark.slow


def run_bench(name: str, tmp_path: Path, *args: str, suffix: str = "") -> dict[str, Any]:
    # PostgreSQL, when the tests have it, in a schema of its own dropped after the run
    env = {
        **os.environ,
        "SMSDASH_BENCH_RESULTS": str(tmp_path),
        "SMSDASH_BENCH_POSTGRES_URL": PG_URL or "",
    }
    subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--small", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return dict(json.loads((tmp_path / f"{name}-small{suffix}.json").read_text()))


def test_the_ingest_benchmark_writes_through_the_real_write_path(tmp_path: Path) -> None:
    result = run_bench("ingest", tmp_path, "--folder", str(tmp_path))
    assert result["messages_written"] == 4000
    assert result["write_path"]["updates_per_s"] > 0 and result["raw_sqlite3"]["updates_per_s"] > 0
    assert result["floor_updates_per_s"] > result["write_path"]["updates_per_s"] / 10
    assert result["write_path_to_floor"] > 0
    assert result["machine"]["sqlite"] and result["load_average"]["after"]
    if PG_URL:
        pg = result["postgresql"]
        for figures in ("write_path", "row_by_row", "copy_upsert"):
            assert pg[figures]["new_per_s"] > 0 and pg[figures]["updates_per_s"] > 0
        assert set(pg["ratio"]) == set(pg["speedup"]) == {"new_per_s", "updates_per_s"}


def test_the_dashboard_benchmark_times_every_page_at_every_range_and_runs_apptest(
    tmp_path: Path,
) -> None:
    result = run_bench("dashboard", tmp_path, "--folder", str(tmp_path))
    engines = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
    assert [e for e in ("sqlite", "postgresql") if e in result] == engines
    pages = {"overview", "backlog", "errors", "messages", "health", "insights"}
    for engine in engines:
        figures = result[engine]["20000"]
        for view in ("1h", "24h", "7d", "30d", "custom_90d", "24h_by_sender", "30d_by_sender"):
            assert set(figures[view]) == pages
            assert all(page["total_ms"] > 0 for page in figures[view].values())
            for page in figures[view].values():
                # wall and CPU time of the same runs, per function
                assert set(page["functions_cpu_ms"]) == set(page["functions_ms"])
                assert page["total_cpu_ms"] > 0
        assert set(figures["ratio_30d_to_24h"]) == set(figures["ratio_30d_to_24h_cpu"]) == pages
        assert set(figures["apptest"]) == {f"views/{p}.py" for p in pages}
        assert figures["peak_rss_mb"] > 0 and figures["apptest_peak_rss_mb"] > 0
    assert result["load_average"]


POLL_ENGINES = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.mark.parametrize("engine", POLL_ENGINES)
def test_the_poll_benchmark_measures_freshness_reaches_final_and_polls_many_accounts(
    tmp_path: Path, engine: str
) -> None:
    if engine == "postgresql":
        assert PG_URL
        result = run_bench("poll", tmp_path, "--postgres", PG_URL, suffix="-postgres")
        admin = make_engine(PG_URL)
        with admin.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_poll%%'"
            ).all()
        admin.dispose()
        assert left == [], "each phase's schema is dropped after the run"
    else:
        result = run_bench("poll", tmp_path)
    assert result["engine"] == engine
    cycle = result["cycle"]
    assert cycle["statuses_fetched"] == cycle["requests"] and cycle["concurrency"] == 4
    assert 0 < cycle["first_status_row_s"] < cycle["cycle_s"], "written during the cycle"
    assert cycle["change_to_row"]["n"] > 0 and cycle["change_to_row"]["p99_s"] > 0
    assert cycle["answer_to_row"]["n"] >= cycle["change_to_row"]["n"]
    assert result["until_final"]["all_final"] is True
    assert result["until_final"]["status_calls_after_all_final"] == 0
    fleet = result["accounts"]["many_accounts"]
    assert fleet["accounts"] == 4 and fleet["healthy_accounts"] == 2
    assert fleet["change_to_row"]["n"] > 0 and result["accounts"]["change_to_row_p50_ratio"]
