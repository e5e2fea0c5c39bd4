"""The benchmarks' small versions run in CI to keep them working (figures are not judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run_bench(name: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "SMSDASH_BENCH_RESULTS": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--small", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return dict(json.loads((tmp_path / f"{name}-small.json").read_text()))


def test_the_ingest_benchmark_writes_through_the_real_write_path(tmp_path: Path) -> None:
    result = run_bench("ingest", tmp_path, "--folder", str(tmp_path))
    assert result["messages_written"] == 4000
    assert result["write_path"]["updates_per_s"] > 0 and result["raw_sqlite3"]["updates_per_s"] > 0
    assert result["floor_updates_per_s"] > result["write_path"]["updates_per_s"] / 10
    assert result["machine"]["sqlite"]


def test_the_dashboard_benchmark_times_every_page_and_runs_apptest(tmp_path: Path) -> None:
    result = run_bench("dashboard", tmp_path, "--folder", str(tmp_path))
    figures = result["20000"]
    assert set(figures["default"]) == {
        "overview",
        "backlog",
        "errors",
        "messages",
        "health",
        "insights",
    }
    assert all(page["total_ms"] > 0 for page in figures["by_sender"].values())
    assert set(figures["apptest"]) == {
        f"views/{p}.py" for p in ("overview", "backlog", "errors", "messages", "health", "insights")
    }
    assert figures["peak_rss_mb"] > 0 and figures["apptest_peak_rss_mb"] > 0


def test_the_poll_benchmark_reaches_final_and_then_polls_nothing(tmp_path: Path) -> None:
    result = run_bench("poll", tmp_path)
    assert result["cycle"]["statuses_fetched"] == result["cycle"]["requests"]
    assert result["until_final"]["all_final"] is True
    assert result["until_final"]["status_calls_after_all_final"] == 0
