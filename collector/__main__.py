"""The ``smsdash-collector`` command line: run, once, init-db, simulate, demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from collector.client import SmsManagerClient
from collector.errors import ConfigError, SmsDashError
from collector.redact import redact
from collector.settings import Settings, load

log = logging.getLogger("collector")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (env SMSDASH_DATABASE_URL; default sqlite:///smsdash.db)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")


def _polling(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--api-key", help="SmsManager API key (env SMSDASH_API_KEY)")
    parser.add_argument(
        "--api-url",
        help="API base URL (env SMSDASH_API_URL; default https://http-api.smsmanager.cz/)",
    )
    parser.add_argument("--account", help="label stored with every row (env SMSDASH_ACCOUNT)")
    parser.add_argument(
        "--poll-interval", help="seconds between cycles (env SMSDASH_POLL_INTERVAL, default 30)"
    )
    parser.add_argument(
        "--poll-concurrency", help="parallel status calls (env SMSDASH_POLL_CONCURRENCY, default 4)"
    )
    parser.add_argument(
        "--give-up-after",
        help="stop polling a message after this long, e.g. 72h (env SMSDASH_GIVE_UP_AFTER)",
    )
    parser.add_argument(
        "--read-timeout",
        help="seconds to wait for an answer (env SMSDASH_READ_TIMEOUT, default 30)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsdash-collector",
        description="Poll SmsManager for request states and delivery receipts into a database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="poll until interrupted (SIGINT/SIGTERM)",
        description="Poll until SIGINT or SIGTERM, then finish the write and exit.",
    )
    _polling(run)
    once = sub.add_parser(
        "once",
        help="run one poll cycle and exit",
        description="Run one poll cycle; exit 0 whatever the API answered.",
    )
    _polling(once)
    init = sub.add_parser(
        "init-db",
        help="create or upgrade the database schema",
        description="Create or upgrade the schema and seed the code tables.",
    )
    _common(init)
    init.add_argument(
        "--create-reader",
        metavar="ROLE",
        help="PostgreSQL: also create (or update) ROLE, a login that may only SELECT, for "
        "the dashboard; its password comes from SMSDASH_READER_PASSWORD",
    )
    from collector.simulate_cli import add_demo_parser, add_simulate_parser

    add_simulate_parser(sub)
    add_demo_parser(sub, _common)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # urllib3 logs request lines at DEBUG; they never carry the key (it is in the body).
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    keys = (
        "api_key",
        "api_url",
        "database_url",
        "account",
        "poll_interval",
        "poll_concurrency",
        "give_up_after",
        "read_timeout",
    )
    return load({k: getattr(args, k, None) for k in keys})


def make_client(settings: Settings, key: str) -> SmsManagerClient:
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=settings.poll_concurrency + 2, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return SmsManagerClient(session, key, settings.api_url, read_timeout=settings.read_timeout)


def cmd_init_db(args: argparse.Namespace) -> int:
    from db.engine import make_engine
    from db.migrate import upgrade

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if args.create_reader:
        from db.roles import RoleError, create_reader

        try:
            create_reader(engine, args.create_reader, os.environ.get("SMSDASH_READER_PASSWORD"))
        except RoleError as err:
            log.error("%s", err)
            return 2
        log.info("init-db: role %s may now only read this database", args.create_reader)
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from collector.poller import Poller
    from db.engine import make_engine
    from db.migrate import upgrade

    settings = _settings(args)
    key = settings.require_key()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    poller = Poller(make_client(settings, key), engine, settings)
    if args.command == "once":
        poller.cycle()
        return 0
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current cycle, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log.info(
        "polling %s every %g s into %s",
        redact(settings.api_url, key),
        settings.poll_interval,
        engine.url.render_as_string(hide_password=True),
    )
    poller.run(stop)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    handlers = {"run": cmd_poll, "once": cmd_poll, "init-db": cmd_init_db}
    try:
        if args.command in handlers:
            return handlers[args.command](args)
        return int(args.handler(args))
    except ConfigError as err:
        log.error("configuration: %s", err)
        return 2
    except SmsDashError as err:
        log.error("%s", err)
        return 1
    except Exception as err:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(err, SQLAlchemyError):
            log.error("database: %s", str(err).splitlines()[0])
            return 3
        raise


if __name__ == "__main__":
    sys.exit(main())
