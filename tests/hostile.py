"""A deliberately hostile SmsManager gateway on loopback, for the hostile-gateway tests."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Route = Callable[["Handler"], None]
LIST_LINE = b"10000001|high|2026-03-18 10:00:00|2026-03-19 10:00:00|MyShop|1|2\n"


class Handler(BaseHTTPRequestHandler):
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 20))
        self._answer()

    def _answer(self) -> None:
        method = urlsplit(self.path).path.strip("/").split("/")[-1]
        self.server.seen.append((self.command, self.path))
        self.server.contacted.set()
        route = self.server.routes.get(method) or self.server.routes.get("*")
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def head(self, status: int = 200, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def alive(self) -> bool:
        return not self.server.stopping.is_set()


class HostileServer(ThreadingHTTPServer):
    """Serves ``routes`` (by method name, ``*`` for any) and records every request."""

    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.seen: list[tuple[str, str]] = []
        self.contacted = threading.Event()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def fixed(body: bytes, status: int = 200, **headers: str) -> Route:
    def route(h: Handler) -> None:
        h.head(status, Content_Length=str(len(body)), **headers)
        h.wfile.write(body)

    return route


def trickle(limit: float = 120.0) -> Route:
    """A valid-looking answer, one byte a second, for up to ``limit`` seconds."""

    def route(h: Handler) -> None:
        h.head(200, Content_Length="100000")
        end = time.monotonic() + limit
        while h.alive() and time.monotonic() < end:
            h.wfile.write(b"1")
            h.wfile.flush()
            time.sleep(1.0)

    return route


def trickle_headers(limit: float = 120.0) -> Route:
    """The status line itself, one byte a second: no per-read timeout ever fires."""

    def route(h: Handler) -> None:
        end = time.monotonic() + limit
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
            if not h.alive() or time.monotonic() > end:
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(1.0)

    return route


def endless(limit_bytes: int = 8 << 30) -> Route:
    """An answer without a length that never ends (up to ``limit_bytes``), fast."""
    block = LIST_LINE * 16_000

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        sent = 0
        while h.alive() and sent < limit_bytes:
            h.wfile.write(block)
            sent += len(block)

    return route


@functools.cache
def bomb(size: int = 1 << 30) -> bytes:
    """``size`` bytes of RequestList-looking text, gzip-compressed (about 1000:1)."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0" * (1 << 20)
    parts = [squeeze.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, squeeze.flush()])


def gzip_bomb(size: int = 1 << 30) -> Route:
    body = bomb(size)
    return fixed(body, Content_Encoding="gzip")


def redirect(status: int, target: str) -> Route:
    def route(h: Handler) -> None:
        h.head(status, Location=target + h.path.lstrip("/"), Content_Length="0")

    return route
