"""A real Prometheus server and a real collector process on loopback, for the metrics tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT

RULES = ROOT / "contrib" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "contrib" / "prometheus" / "alerts_test.yml"
DASHBOARD = ROOT / "contrib" / "grafana" / "smsdash.json"


def binary(name: str) -> str:
    """The path of ``prometheus`` or ``promtool``; CI must have them, elsewhere a clear skip."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"`{name}` is missing: .ci/run installs Debian's prometheus package")
        pytest.skip(f"`{name}` not found: install Debian's package (apt-get install prometheus)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except requests.RequestException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


@contextmanager
def collector(
    tmp_path: Path, api_url: str, key: str, port: int, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``smsdash-collector run`` of the account ``acme`` with /metrics on 127.0.0.1:``port``."""
    with running(
        tmp_path,
        port,
        SMSDASH_API_KEY=key,
        SMSDASH_API_URL=api_url,
        SMSDASH_DATABASE_URL=f"sqlite:///{tmp_path / 'smsdash.db'}",
        SMSDASH_ACCOUNT="acme",
        **env,
    ) as proc:
        yield proc


@contextmanager
def running(tmp_path: Path, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """``smsdash-collector run`` with only ``env``'s SMSDASH_* settings and /metrics on
    127.0.0.1:``port``, until /metrics answers; stopped with SIGTERM."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SMSDASH_")}
    clean.update(SMSDASH_METRICS_ADDR=f"127.0.0.1:{port}", **env)
    log = (tmp_path / "collector.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector", "run"],
        env=clean,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: proc.poll() is not None or scrape(port),
            60,
            "the collector's /metrics to answer",
        )
        assert proc.poll() is None, (tmp_path / "collector.log").read_text()[-3000:]
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def scrape(port: int, timeout: float = 5.0) -> str:
    answer = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=timeout)
    answer.raise_for_status()
    return answer.text


class Prometheus:
    """A real ``prometheus`` with its own config, storage and port, scraping one target."""

    def __init__(self, tmp_path: Path, target_port: int, interval: str = "1s") -> None:
        self.dir = tmp_path / "prometheus"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = self.dir / "prometheus.yml"
        config.write_text(
            f"global:\n  scrape_interval: {interval}\n  scrape_timeout: {interval}\n"
            f"  evaluation_interval: {interval}\n"
            f"rule_files:\n  - {RULES}\n"
            "scrape_configs:\n  - job_name: smsdash\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n"
        )
        self.log = self.dir / "prometheus.log"
        self.args = [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prometheus:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._ready, 60, "Prometheus to be ready")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log.read_text()[-3000:]}")
        return requests.get(f"{self.url}/-/ready", timeout=2).ok

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def api(self, path: str, **params: str) -> Any:
        answer = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
        """An instant query: each series' labels (without __name__) -> value."""
        data = self.api("query", query=expr)
        return {
            tuple(sorted((k, v) for k, v in item["metric"].items() if k != "__name__")): float(
                item["value"][1]
            )
            for item in data["result"]
        }

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        assert len(result) <= 1, result
        return next(iter(result.values()), None)
