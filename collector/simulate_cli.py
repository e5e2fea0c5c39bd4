"""The ``simulate`` and ``demo`` commands: a gateway on loopback, and the whole product on it."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from collector.errors import ConfigError
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from collector.simulator.traffic import TrafficGenerator

log = logging.getLogger(__name__)
FAULT_FLAGS = {
    "server_error": "HTTP 500 with ERROR|9xx",
    "unavailable_empty": "HTTP 503 with an empty body",
    "unavailable_html": "HTTP 503 with an HTML page",
    "slow": "answers slower than --slow-seconds",
    "drop": "connections closed without an answer",
    "empty_status": "RequestStatus answers 200 with an empty body",
    "unknown_codes": "lines with request state 8 or receipt 9",
}
DEMO_FAULTS = Faults(
    server_error=0.02,
    unavailable_empty=0.01,
    unavailable_html=0.005,
    slow=0.005,
    slow_seconds=12,
    drop=0.005,
    empty_status=0.01,
    unknown_codes=0.002,
)
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
DEMO_DATABASE = "sqlite:///smsdash-demo.db"
DEMO_ACCOUNT = "demo"
# The simulated account is topped up below this, so traffic never stops for lack of credit.
TOP_UP_BELOW, TOP_UP_AMOUNT = 1000.0, 5000.0
DASHBOARD_START = 120.0  # seconds: a loaded machine takes a while to import Streamlit


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return rate


def _simulator_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    p.add_argument("--api-key", default="demo-key", help="the key the simulator accepts")
    p.add_argument(
        "--more-keys",
        action="append",
        default=[],
        metavar="KEY",
        help="another account's key (repeatable): one gateway, several customers",
    )
    p.add_argument(
        "--storm-keys",
        action="append",
        default=[],
        metavar="KEY",
        help="another account whose RequestList, RequestStatus and GetUserInfo all answer "
        "HTTP 500 ERROR|9xx (repeatable)",
    )
    p.add_argument("--credit", type=float, default=5000.0, help="starting credit in CZK")
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="gateway seconds per real second (100: a minute passes in 0.6 s)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seeded-random outcomes (default: by the number's last digit)",
    )
    p.add_argument(
        "--traffic-rate",
        type=float,
        default=0.0,
        help="Send calls per second from the traffic generator (0: none)",
    )
    p.add_argument(
        "--list-window",
        type=float,
        default=86400.0,
        help="RequestList lists requests younger than this many gateway seconds",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="parameter names only as SmsManager spells them (apikey, requestID, ...); "
        "RequestList, RequestStatus and GetPrice by GET only (POST: 405)",
    )
    p.add_argument(
        "--uuid-ids",
        action="store_true",
        help="request ids are UUIDs (as the LTS API documents) instead of integers",
    )
    p.add_argument(
        "--username",
        default=None,
        help="also accept username + SHA-1 hex of --password instead of the key",
    )
    p.add_argument("--password", default=None, help="the password for --username")
    p.add_argument("--slow-seconds", type=float, default=35.0, help="delay of a slow answer")
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds every RequestList/RequestStatus/GetUserInfo answer takes",
    )
    for name, what in FAULT_FLAGS.items():
        p.add_argument(
            f"--{name.replace('_', '-')}", type=_rate, default=None, help=f"rate of {what} (0..1)"
        )


def add_simulate_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="serve a simulated SmsManager gateway on loopback",
        description="Serve SmsManager's HTTP and XML API on loopback until "
        "interrupted; print the URL and API key to use.",
    )
    _simulator_options(p)
    p.add_argument("--port", type=int, default=8800, help="port (0: any free port)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every call")
    p.set_defaults(handler=cmd_simulate)


def add_demo_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "demo",
        help="simulator + traffic + collector + dashboard, one Ctrl-C",
        description="Start a simulated gateway with random traffic and faults, "
        "the collector against it and the dashboard on one database. The demo never "
        "reads SMSDASH_* settings: it writes only into its own database, as account 'demo'.",
    )
    # Not the common options: SMSDASH_DATABASE_URL points at a real account's database.
    p.add_argument(
        "--database-url",
        default=DEMO_DATABASE,
        help=f"the demo's own database (default {DEMO_DATABASE}; SMSDASH_DATABASE_URL is ignored)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    p.add_argument("--dashboard-port", type=int, default=8501, help="dashboard port")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(handler=cmd_demo)


def build_gateway(args: argparse.Namespace, defaults: Faults | None = None) -> Gateway:
    faults = defaults or Faults()
    for name in FAULT_FLAGS:
        if (value := getattr(args, name, None)) is not None:
            setattr(faults, name, value)
    faults.slow_seconds = getattr(args, "slow_seconds", faults.slow_seconds)
    faults.latency = getattr(args, "latency", faults.latency)
    username, password = getattr(args, "username", None), getattr(args, "password", None)
    if (username is None) != (password is None):
        raise ConfigError("simulate: --username and --password go together")
    account = Account(
        args.api_key,
        credit=args.credit,
        username=username,
        password=password,
    )
    more = [Account(k, credit=args.credit) for k in getattr(args, "more_keys", [])]
    storm = Faults(server_error=1.0, latency=faults.latency)
    stormy = [Account(k, credit=args.credit, faults=storm) for k in getattr(args, "storm_keys", [])]
    return Gateway(
        [account, *more, *stormy],
        scale=args.scale,
        seed=args.seed,
        faults=faults,
        list_window=args.list_window,
        uuid_ids=getattr(args, "uuid_ids", False),
        strict=getattr(args, "strict", False),
    )


def _wait_for_signal() -> threading.Event:
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def cmd_simulate(args: argparse.Namespace) -> int:
    gateway = build_gateway(args)
    stop = _wait_for_signal()
    with SimulatorServer(gateway, args.host, args.port) as server:
        traffic = None
        if args.traffic_rate > 0:
            traffic = TrafficGenerator(
                requests.Session(), server.url, args.api_key, rate=args.traffic_rate, seed=args.seed
            ).start()
        mode = "strict" if server.strict else "lenient"
        sys.stdout.write(
            f"SmsManager simulator at {server.url} ({mode})\n"
            f"  SMSDASH_API_URL={server.url} SMSDASH_API_KEY={args.api_key}\n"
            f"  try: curl '{server.url}GetUserInfo?apikey={args.api_key}'\n"
        )
        sys.stdout.flush()
        stop.wait()
        if traffic:
            traffic.stop()
    return 0


def _open_when_up(address: str, stop: threading.Event) -> None:
    """Open the dashboard in the user's browser once it answers."""
    import webbrowser

    for _ in range(60):
        if stop.wait(1.0):
            return
        try:
            if requests.get(f"{address}/_stcore/health", timeout=2).ok:
                webbrowser.open(address)
                return
        except requests.RequestException:
            continue


def port_busy(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _dashboard_up(address: str) -> bool:
    try:
        return requests.get(f"{address}/_stcore/health", timeout=2).ok
    except requests.RequestException:
        return False


def cmd_demo(args: argparse.Namespace) -> int:
    from collector.__main__ import make_client
    from collector.alerts import config as alert_config
    from collector.alerts.notify import Notifier
    from collector.alerts.runner import install
    from collector.poller import Poller
    from collector.settings import load
    from db.engine import make_engine
    from db.migrate import upgrade

    if not 0 < args.dashboard_port < 65536 or port_busy(args.dashboard_port):
        log.error(
            "demo: port %s is busy or invalid; stop what uses it or choose another "
            "(make demo PORT=8502, or --dashboard-port)",
            args.dashboard_port,
        )
        return 2  # like any setting that cannot work: exit 2
    database = args.database_url
    demo = argparse.Namespace(
        api_key="demo-key", credit=5000.0, scale=1.0, seed=int(time.time()), list_window=86400.0
    )
    gateway = build_gateway(demo, DEMO_FAULTS)
    stop = _wait_for_signal()
    with SimulatorServer(gateway) as server:
        settings = load(
            {
                "api_key": demo.api_key,
                "api_url": server.url,
                "database_url": database,
                "account": DEMO_ACCOUNT,
                "poll_interval": "5",
                "read_timeout": "10",
            },
            environ={},
        )
        engine = make_engine(database)
        upgrade(engine)
        traffic = TrafficGenerator(
            requests.Session(), server.url, demo.api_key, rate=1.5, seed=demo.seed
        ).start()
        poller = Poller(make_client(settings, demo.api_key), engine, settings)
        alerts = alert_config.load()  # the demo's faults make the Alerts page come alive
        install(poller, engine, alerts, Notifier(alerts.notify))
        collector = threading.Thread(target=poller.run, args=(stop,), name="collector")
        collector.start()
        # Only the demo's own database reaches the dashboard, whatever the shell exports.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSDASH_")}
        env["SMSDASH_DATABASE_URL"] = database
        dashboard = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.port",
                str(args.dashboard_port),
                # Headless always: otherwise Streamlit's first run asks for an e-mail
                # address on stdin and stops; the browser is opened below instead.
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            env=env,
        )
        address = f"http://localhost:{args.dashboard_port}"
        log.info("demo: gateway %s, dashboard %s, Ctrl-C stops everything", server.url, address)
        if not args.no_browser:
            threading.Thread(target=_open_when_up, args=(address, stop), daemon=True).start()
        code = _supervise(gateway, demo.api_key, dashboard, address, collector, stop)
        stop.set()
        dashboard.terminate()
        traffic.stop()
        collector.join(timeout=30)
        try:
            dashboard.wait(timeout=10)
        except subprocess.TimeoutExpired:
            dashboard.kill()
    return code


def _supervise(
    gateway: Gateway,
    api_key: str,
    dashboard: subprocess.Popen[bytes],
    address: str,
    collector: threading.Thread,
    stop: threading.Event,
) -> int:
    """Watch the parts until Ctrl-C; a part that fails stops the demo with a one-line reason."""
    started = time.monotonic()
    up = False
    while not stop.wait(1.0):
        if gateway.top_up(api_key, TOP_UP_BELOW, TOP_UP_AMOUNT):
            log.info("demo: the simulated account was topped up by %.0f CZK", TOP_UP_AMOUNT)
        if dashboard.poll() is not None:
            log.error("demo: the dashboard exited with code %s", dashboard.returncode)
            return 1
        if not collector.is_alive():
            log.error("demo: the collector stopped; see the messages above")
            return 1
        if not up:
            up = _dashboard_up(address)
            if not up and time.monotonic() - started > DASHBOARD_START:
                log.error(
                    "demo: the dashboard did not answer at %s within %.0f s",
                    address,
                    DASHBOARD_START,
                )
                return 1
    return 0
