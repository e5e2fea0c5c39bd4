"""The simulator in its own process, and pollers on it: what the poll benchmarks share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, text

from bench.freshness import TimedClient
from collector.poller import Poller
from collector.settings import Settings
from db.engine import make_engine
from db.migrate import upgrade

KEY = "bench-key"
ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Simulator:
    def __init__(
        self,
        latency: float,
        scale: float,
        more_keys: tuple[str, ...] = (),
        storm_keys: tuple[str, ...] = (),
        api_key: str = KEY,
    ) -> None:
        self.port = _port()
        keys = [a for k in more_keys for a in ("--more-keys", k)]
        keys += [a for k in storm_keys for a in ("--storm-keys", k)]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "collector",
                "simulate",
                "--port",
                str(self.port),
                "--api-key",
                api_key,
                "--credit",
                "10000000",
                "--latency",
                str(latency),
                "--scale",
                str(scale),
                *keys,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.post(self.url + "Send", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def send(self, numbers: list[str], key: str = KEY) -> None:
        session = requests.Session()

        def one(number: str) -> None:
            answer = session.post(
                self.url + "Send",
                data={"apikey": key, "number": number, "message": "bench"},
                timeout=10,
            )
            answer.raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, numbers))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def make_poller(
    url: str,
    engine: Engine,
    concurrency: int,
    interval: float,
    key: str = KEY,
    account: str = "bench",
    **options: Any,
) -> Poller:
    settings = Settings(
        api_key=key,
        api_url=url,
        database_url=str(engine.url),
        account=account,
        poll_interval=interval,
        poll_concurrency=concurrency,
        read_timeout=30,
        **options,
    )
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=concurrency + 2)
    session.mount("http://", adapter)
    return Poller(TimedClient(session, key, url), engine, settings)


class Store:
    """Where each phase gets a new, empty database: SQLite files in a folder, or a
    PostgreSQL schema of its own when ``postgres`` is set."""

    def __init__(self, folder: Path, postgres: str | None = None) -> None:
        self.folder, self.postgres = folder, postgres
        self.schemas: list[str] = []

    @property
    def engine_name(self) -> str:
        return "sqlite" if self.postgres is None else "postgresql"

    def url(self, name: str) -> str:
        if self.postgres is None:
            return f"sqlite:///{self.folder / f'{name}.db'}"
        from bench.pgload import schema_url

        # The process id keeps two runs against one database out of each other's schemas.
        schema = f"bench_{name.replace('-', '_')}_{os.getpid()}"
        self._schemas(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return schema_url(self.postgres, schema)

    def drop(self) -> None:
        """Drop the PostgreSQL schemas made for the phases (SQLite files go with the folder)."""
        self._schemas(*(f'DROP SCHEMA IF EXISTS "{s}" CASCADE' for s in self.schemas))
        self.schemas.clear()

    def _schemas(self, *statements: str) -> None:
        if self.postgres is None or not statements:
            return
        admin = make_engine(self.postgres)
        try:
            with admin.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            admin.dispose()


def migrated(db_url: str, accounts: int = 1) -> Engine:
    engine = make_engine(db_url, pool_size=2 * accounts + 3, max_overflow=10)
    upgrade(engine)
    return engine


def loadavg() -> float:
    return round(os.getloadavg()[0], 1)
