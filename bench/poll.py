"""Poll benchmark: the collector against the simulator with an injected per-call latency.

Phase 1 times one full cycle over N due requests at concurrency C and latency L, against
the ideal N·L/C. Phase 2 follows a mixed set of requests until every number is final,
counts status calls per message, and checks that further cycles poll nothing final.
The simulator runs in its own process, as a remote gateway would.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from bench.common import setup_logging, write_result
from collector.client import SmsManagerClient
from collector.poller import Poller
from collector.settings import Settings
from db.engine import make_engine
from db.migrate import upgrade
from db.models import ApiCall, Message

log = logging.getLogger("bench.poll")
KEY = "bench-key"
ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Simulator:
    def __init__(self, latency: float, scale: float) -> None:
        self.port = _port()
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
                KEY,
                "--credit",
                "10000000",
                "--latency",
                str(latency),
                "--scale",
                str(scale),
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

    def send(self, numbers: list[str]) -> None:
        session = requests.Session()

        def one(number: str) -> None:
            answer = session.post(
                self.url + "Send",
                data={"apikey": KEY, "number": number, "message": "bench"},
                timeout=10,
            )
            answer.raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, numbers))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _poller(url: str, db_url: str, concurrency: int, interval: float) -> Poller:
    settings = Settings(
        api_key=KEY,
        api_url=url,
        database_url=db_url,
        account="bench",
        poll_interval=interval,
        poll_concurrency=concurrency,
        read_timeout=30,
    )
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=concurrency + 2)
    session.mount("http://", adapter)
    engine = make_engine(db_url)
    upgrade(engine)
    return Poller(SmsManagerClient(session, KEY, url), engine, settings)


def cycle_time(n: int, latency: float, concurrency: int, folder: Path) -> dict[str, Any]:
    sim = Simulator(latency, scale=1)
    try:
        # ...8 numbers wait on receipt 5 for minutes: all stay due during the cycle
        sim.send([f"42077{i:06d}8" for i in range(n)])
        poller = _poller(sim.url, f"sqlite:///{folder / 'poll-cycle.db'}", concurrency, 30)
        start = time.perf_counter()
        summary = poller.cycle()
        seconds = time.perf_counter() - start
    finally:
        sim.stop()
    ideal = n * latency / concurrency
    return {
        "requests": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "statuses_fetched": summary.statuses,
        "errors": summary.errors,
        "cycle_s": round(seconds, 2),
        "ideal_s": round(ideal, 2),
        "ratio_to_ideal": round(seconds / ideal, 3),
    }


def _status_calls(engine: Any) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(ApiCall.method == "RequestStatus")
        return int(conn.execute(query).scalar_one())


def until_final(n: int, latency: float, concurrency: int, folder: Path) -> dict[str, Any]:
    sim = Simulator(latency, scale=30)  # a 1 s cycle is a 30 s cycle in gateway time
    db_url = f"sqlite:///{folder / 'poll-final.db'}"
    try:
        sim.send([f"42060{i:06d}{i % 10}" for i in range(n)])
        poller = _poller(sim.url, db_url, concurrency, 1.0)
        engine = poller.engine
        deadline = time.monotonic() + 600
        cycles = 0
        while time.monotonic() < deadline:
            cycles += 1
            poller.cycle()
            with engine.connect() as conn:
                live = conn.execute(
                    select(func.count()).where(Message.final_at.is_(None))
                ).scalar_one()
                known = conn.execute(select(func.count()).select_from(Message)).scalar_one()
            if known == n and live == 0:
                break
            time.sleep(1.0)
        status_calls = _status_calls(engine)
        for _ in range(3):
            poller.cycle()
        extra = _status_calls(engine) - status_calls
    finally:
        sim.stop()
    return {
        "messages": n,
        "cycles": cycles,
        "all_final": live == 0,
        "status_calls_per_message": round(status_calls / n, 2),
        "status_calls_after_all_final": extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--final-messages", type=int, default=500)
    parser.add_argument("--small", action="store_true", help="a quick run (CI keeps it working)")
    args = parser.parse_args()
    setup_logging()
    if args.small:
        args.requests, args.latency, args.concurrency, args.final_messages = 200, 0.02, 4, 30
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cycle = cycle_time(args.requests, args.latency, args.concurrency, folder)
        log.info("cycle: %s", cycle)
        final = until_final(args.final_messages, args.latency, args.concurrency, folder)
        log.info("until final: %s", final)
    write_result("poll-small" if args.small else "poll", {"cycle": cycle, "until_final": final})


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
