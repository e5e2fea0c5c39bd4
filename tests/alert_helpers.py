"""Loopback notification targets (an SMTP server and an HTTP receiver) and an alerting collector."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from collector.alerts.config import AlertSettings, parse_file
from collector.alerts.notify import Notifier
from collector.alerts.runner import AfterCycle
from collector.poller import Poller
from db.models import AlertEpisode, AlertNotification, AlertState
from db.types import utcnow
from tests.sim_helpers import make_poller

ALL_RULES = ("delivery_rate", "stuck", "api_errors", "api_key", "credit", "collector_stale")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class HttpReceiver:
    """Apprise's json:// target and a heartbeat endpoint on loopback; can be told to fail."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.pings: list[str] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
                body = self.rfile.read(length)
                if receiver.status == 200:
                    receiver.posts.append(json.loads(body or b"{}"))
                self.send_response(receiver.status)
                self.end_headers()

            def do_GET(self) -> None:
                receiver.pings.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/alerts"

    @property
    def heartbeat_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ping/collector"

    def titles(self) -> list[str]:
        return [str(p.get("title", "")) for p in self.posts]

    def __enter__(self) -> HttpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        subject = str(make_header(decode_header(mail.get("Subject", ""))))
        text = ""
        for part in mail.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode("utf-8", "replace")
        self.messages.append((subject, text))
        return "250 OK"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on loopback, the target of Apprise's mailto://."""

    def __init__(self) -> None:
        self.port = free_port()
        self.box = _Mailbox()
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}/ops@example.com?from=smsdash@example.com"

    def titles(self) -> list[str]:
        return [subject for subject, _text in self.box.messages]

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@contextmanager
def targets() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    with HttpReceiver() as http, SmtpReceiver() as smtp:
        yield http, smtp


def only(rule: str, extra: str = "", **fields: object) -> str:
    """A TOML file enabling one rule (with ``fields``) and switching the others off."""
    lines = [extra]
    for name in ALL_RULES:
        lines.append(f"[rules.{name}]")
        lines.append(f"enabled = {'true' if name == rule else 'false'}")
        if name == rule:
            lines += [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Alerting:
    """A collector polling the simulator with the alert hook, under a clock the test can move."""

    poller: Poller
    engine: Engine
    offset: timedelta = field(default=timedelta(0))
    hook: AfterCycle | None = None

    def now(self) -> datetime:
        return utcnow() + self.offset

    def cycles(self, n: int) -> None:
        for _ in range(n):
            self.poller.cycle()
            time.sleep(self.poller.settings.poll_interval)

    def until(self, what: str, check: Callable[[], Any], timeout: float = 90.0) -> Any:
        def step() -> Any:
            self.poller.cycle()
            return check()

        return wait_for(what, step, timeout, self.poller.settings.poll_interval)

    def states(self) -> dict[tuple[str, str], str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(AlertState.rule, AlertState.key, AlertState.status)).all()
        return {(r, k): s for r, k, s in rows}

    def firing(self, rule: str, key: str = "") -> bool:
        return self.states().get((rule, key)) == "firing"

    def episodes(self) -> list[AlertEpisode]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(AlertEpisode).order_by(AlertEpisode.id)).all())  # type: ignore[arg-type]

    def notifications(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(select(AlertNotification).order_by(AlertNotification.id)).all()
            )


def alerting(
    url: str,
    engine: Engine,
    key: str,
    config: str,
    target_urls: list[str],
    *,
    heartbeat: str | None = None,
    dashboard: str | None = None,
    **poller_settings: Any,
) -> Alerting:
    base = AlertSettings(heartbeat_url=heartbeat, dashboard_url=dashboard)
    settings = parse_file(config, "test config", base)
    poller = make_poller(url, engine, key, **poller_settings)
    run = Alerting(poller, engine)
    run.hook = AfterCycle(
        engine,
        poller.settings.account,
        settings,
        Notifier(target_urls),
        clock=run.now,
        ok_calls=lambda: poller.ok_calls,
    )
    run.hook.publish_rules()
    poller.after_cycle.append(run.hook)
    return run


def count(titles: list[str], word: str, rule_name: str) -> int:
    return sum(1 for t in titles if f"] {word}: {rule_name}" in t)
