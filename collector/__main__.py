"""The ``smsdash-collector`` command line: check, run, once, init-db, simulate, demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from collector.poller import Poller

from collector.client import SmsManagerClient
from collector.errors import AlreadyRunning, ConfigError, DatabaseError, SmsDashError
from collector.redact import install_log_redaction, redact
from collector.settings import Settings, load

EXIT_OK, EXIT_API, EXIT_CONFIG, EXIT_DATABASE, EXIT_KEY, EXIT_RUNNING = 0, 1, 2, 3, 4, 5
EXIT_CODES = (
    "exit codes: 0 success; 1 the API could not be used (every call failed); "
    "2 configuration error; 3 database error; 4 API key rejected (error 103); "
    "5 another collector already polls this account into this database"
)

log = logging.getLogger("collector")
CHECK_EXIT_CODES = (
    "exit codes: 0 every call answered; 1 some call failed (see the diagnosis); "
    "2 configuration error; 4 API key rejected (error 103)"
)


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
        "--accounts-file",
        help="TOML file of several accounts to poll in this process, each with its own key "
        "(env SMSDASH_ACCOUNTS_FILE; replaces --api-key and --account)",
    )
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
        help="seconds a whole call may take (env SMSDASH_READ_TIMEOUT, default 30)",
    )
    parser.add_argument(
        "--max-answer-bytes",
        help="largest answer accepted, e.g. 32M (env SMSDASH_MAX_ANSWER_BYTES, default 32M)",
    )
    parser.add_argument(
        "--allow-http",
        action="store_const",
        const="1",
        help="allow a plain http:// API URL to another host (env SMSDASH_ALLOW_HTTP)",
    )
    parser.add_argument(
        "--metrics-addr",
        help="serve Prometheus /metrics on host:port, e.g. 127.0.0.1:9464; `run` only "
        "(env SMSDASH_METRICS_ADDR; default off)",
    )
    parser.add_argument(
        "--metrics-allow-remote",
        action="store_const",
        const="true",
        help="allow a non-loopback --metrics-addr (env SMSDASH_METRICS_ALLOW_REMOTE=true)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsdash-collector",
        description="Poll SmsManager for request states and delivery receipts into a database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="try the account: one call of each read method, with a diagnosis",
        description="Call GetUserInfo, RequestList, RequestStatus (newest request) and "
        "GetPrice once each; print what they answered, their latency and, for each "
        "failure, what to check. Writes nothing.",
        epilog=f"{CHECK_EXIT_CODES}",
    )
    _polling(check)
    run = sub.add_parser(
        "run",
        help="poll until interrupted (SIGINT/SIGTERM)",
        description="Poll until SIGINT or SIGTERM, then finish the write and exit.",
        epilog=EXIT_CODES,
    )
    _polling(run)
    once = sub.add_parser(
        "once",
        help="run one poll cycle and exit",
        description="Run one poll cycle and record it.",
        epilog=EXIT_CODES,
    )
    _polling(once)
    init = sub.add_parser(
        "init-db",
        help="create or upgrade the database schema",
        description="Create or upgrade the schema and seed the code tables.",
    )
    _common(init)
    test = sub.add_parser(
        "notify-test",
        help="send a test message to every SMSDASH_NOTIFY target",
        description="Send a test message to every Apprise URL in SMSDASH_NOTIFY, print each "
        "result and record it; exit 1 if any target failed.",
    )
    _common(test)
    test.add_argument("--account", help="label stored with the records (env SMSDASH_ACCOUNT)")
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
    # urllib3 logs request lines (with the key in the query) at DEBUG; records are
    # redacted anyway (install_log_redaction), this only keeps the log readable.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apprise").setLevel(logging.WARNING)


_SETTING_FLAGS = (
    "api_key",
    "api_url",
    "database_url",
    "account",
    "poll_interval",
    "poll_concurrency",
    "give_up_after",
    "read_timeout",
    "max_answer_bytes",
    "allow_http",
    "accounts_file",
    "metrics_addr",
    "metrics_allow_remote",
)


def _settings(args: argparse.Namespace) -> Settings:
    return load({k: getattr(args, k, None) for k in _SETTING_FLAGS})


def make_client(settings: Settings, key: str) -> SmsManagerClient:
    from collector.transport import make_session

    return SmsManagerClient(
        make_session(settings.poll_concurrency + 2),
        key,
        settings.api_url,
        read_timeout=settings.read_timeout,
        max_answer=settings.max_answer_bytes,
    )


def _database(settings: Settings, accounts: int = 1) -> Engine:
    """The migrated engine; any failure becomes one line naming the database and the cause."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import database_url, explain, make_engine
    from db.migrate import upgrade

    url = database_url(settings.database_url)
    # Per account: a PostgreSQL lock connection held all along, and one writing.
    pool = {"pool_size": 2 * accounts + 3, "max_overflow": 10} if accounts > 1 else {}
    engine = make_engine(url, **pool)
    try:
        upgrade(engine)
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise DatabaseError(explain(exc, url)) from None
    return engine


def cmd_init_db(args: argparse.Namespace) -> int:
    engine = _database(_settings(args))
    try:
        if args.create_reader:
            from db.roles import RoleError, create_reader

            try:
                password = os.environ.get("SMSDASH_READER_PASSWORD")
                create_reader(engine, args.create_reader, password)
            except RoleError as err:
                log.error("%s", err)
                return 2
            log.info("init-db: role %s may now only read this database", args.create_reader)
    finally:
        engine.dispose()
    return 0


def cmd_notify_test(args: argparse.Namespace) -> int:
    from collector.alerts import config as alert_config
    from collector.alerts.notify import Notifier, send_test
    from db.types import utcnow

    settings = _settings(args)
    alerts = alert_config.load()
    notifier = Notifier(alerts.notify)
    if not notifier.labels:
        raise ConfigError("SMSDASH_NOTIFY is empty: put one or more Apprise URLs in it")
    engine = _database(settings)
    failed = 0
    for label, error in send_test(engine, settings.account, notifier, utcnow(), alerts.language):
        print(f"ok      {label}" if error is None else f"FAILED  {label}: {error}")
        failed += error is not None
    return 1 if failed else 0


def _accounts(args: argparse.Namespace, settings: Settings) -> list[Settings]:
    """The accounts to poll: the accounts file's, or the one the single settings name."""
    if not settings.accounts_file:
        settings.require_key()
        return [settings]
    from collector.accounts import load_accounts

    for name in ("api_key", "account"):
        if getattr(args, name, None) or os.environ.get(f"SMSDASH_{name.upper()}"):
            raise ConfigError(
                f"SMSDASH_{name.upper()} (--{name.replace('_', '-')}) and an accounts file "
                "are both set: the accounts file names every account and its key; unset one"
            )
    flags = {k: getattr(args, k, None) for k in _SETTING_FLAGS}
    return load_accounts(settings.accounts_file, flags)


def cmd_poll(args: argparse.Namespace) -> int:
    from collector.alerts import config as alert_config
    from collector.alerts.notify import Notifier
    from collector.alerts.runner import install
    from collector.fleet import each_account
    from collector.guard import CollectorLock, watch
    from collector.poller import Poller

    settings = _settings(args)
    accounts = _accounts(args, settings)
    alerts = alert_config.load()
    Notifier(alerts.notify)  # a bad SMSDASH_NOTIFY stops the start before anything else
    for account in accounts:
        install_log_redaction(account.require_key())
    engine = _database(settings, len(accounts))
    locks: list[CollectorLock] = []
    try:
        for account in accounts:
            lock = CollectorLock(engine, account.account)
            lock.acquire()
            locks.append(lock)
        file_watch = watch(engine)
        pollers = [
            Poller(
                make_client(account, account.require_key()),
                engine,
                account,
                check=file_watch.check if file_watch else None,
            )
            for account in accounts
        ]
        for poller in pollers:  # each account its own rules' state and its own Apprise targets
            install(poller, engine, alerts, Notifier(alerts.notify))
        if args.command == "once":
            summaries = each_account(pollers, lambda p: p.cycle())
            if any(s.key_rejected for s in summaries):
                return EXIT_KEY
            return EXIT_API if any(s.all_failed for s in summaries) else EXIT_OK
        return _run(pollers, settings, engine)
    finally:
        for lock in locks:
            lock.release()


def _run(pollers: list[Poller], settings: Settings, engine: Engine) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: cutting the calls in flight, writing, then stopping", signum)
        stop.set()
        for poller in pollers:
            poller.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    metrics = None
    if settings.metrics_addr:  # one page for every account, each series labelled
        from collector.metrics import start_metrics

        metrics = start_metrics(pollers, engine, settings.metrics_addr)
    for poller in pollers:
        log.info(
            "polling account %s at %s every %g s into %s",
            poller.settings.account,
            redact(poller.settings.api_url),
            poller.settings.poll_interval,
            engine.url.render_as_string(hide_password=True),
        )
    from collector.fleet import each_account

    try:
        each_account(pollers, lambda p: p.run(stop))
    finally:
        if metrics:
            metrics.stop()
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from collector.check import run_check

    settings = _settings(args)
    accounts = _accounts(args, settings)
    codes = []
    for account in accounts:  # one after another: the report is read top to bottom
        key = account.require_key()
        install_log_redaction(key)
        codes.append(run_check(make_client(account, key), account, sys.stdout))
    return EXIT_KEY if EXIT_KEY in codes else max(codes)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    handlers = {
        "run": cmd_poll,
        "once": cmd_poll,
        "init-db": cmd_init_db,
        "check": cmd_check,
        "notify-test": cmd_notify_test,
    }
    try:
        if args.command in handlers:
            return handlers[args.command](args)
        return int(args.handler(args))
    except ConfigError as err:
        log.error("configuration: %s", err)
        return EXIT_CONFIG
    except DatabaseError as err:
        log.error("%s", err)
        return EXIT_DATABASE
    except AlreadyRunning as err:
        log.error("%s", err)
        return EXIT_RUNNING
    except SmsDashError as err:
        log.error("%s", err)
        return EXIT_API
    except Exception as err:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(err, SQLAlchemyError):
            from db.engine import database_url, explain

            try:
                url = database_url(getattr(args, "database_url", None))
                log.error("%s", explain(err, url))
            except Exception:
                log.error("database: %s", str(err).splitlines()[0])
            return EXIT_DATABASE
        raise


if __name__ == "__main__":
    sys.exit(main())
