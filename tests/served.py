"""The dashboard served by a real Streamlit process, and Chromium kept to loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import ROOT
from tests.test_browser import CHROMIUM_FLAGS, chromium, free_port

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@contextmanager
def streamlit(
    env: Mapping[str, str], *args: str, port: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """Run ``streamlit run dashboard/app.py`` from the repository (its .streamlit/config.toml)."""
    port = port or free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            *args,
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}")
            try:
                if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                    break
            except requests.RequestException:  # refused, or too slow to answer yet
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not start within 90 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]


@contextmanager
def browser() -> Iterator[tuple[Any, list[str]]]:
    """A Chromium context that may reach loopback only; the list collects what it refused."""
    from playwright.sync_api import sync_playwright

    refused: list[str] = []
    with sync_playwright() as play:
        chrome = play.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = chrome.new_context(viewport={"width": 1400, "height": 1600})

        def guard(route: Any) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        try:
            yield context, refused
        finally:
            chrome.close()


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
