"""One HTTP exchange with hard limits: a deadline for the whole call, a size cap, no redirects."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from collector.errors import ParseError, TransportError

CHUNK = 16 * 1024
_local = threading.local()


@dataclass(eq=False)
class _Call:
    deadline: float
    sockets: list[socket.socket] = field(default_factory=list)
    expired: bool = False
    cancelled: bool = False

    def cut(self) -> None:
        """Shut the call's sockets down so a read blocked in another thread returns now."""
        for sock in self.sockets:
            # The socket object may be "closed" already while the response's file still
            # holds its descriptor (a Connection: close answer): shut the descriptor down.
            with contextlib.suppress(OSError, ValueError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _track(sock: socket.socket | None) -> None:
    call = getattr(_local, "call", None)
    if call is not None and sock is not None:
        call.sockets.append(sock)


class _TrackedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _track(self.sock)


class _TrackedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _track(self.sock)


class _Tracking:
    """Pool mix-in: a kept-alive connection's socket belongs to the call that reuses it."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        _track(getattr(conn, "sock", None))
        return conn


class _HTTPPool(_Tracking, HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _HTTPSPool(_Tracking, HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An adapter whose connections a watchdog can cut; never retries."""

    def __init__(self, pool_maxsize: int = 10) -> None:
        super().__init__(pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


def make_session(pool_size: int = 10) -> requests.Session:
    session = requests.Session()
    guard(session, pool_size)
    return session


def guard(session: requests.Session, pool_size: int = 10) -> None:
    """Mount the guarded adapter on a session unless it already has one."""
    if not isinstance(session.get_adapter("https://x/"), GuardedAdapter):
        adapter = GuardedAdapter(pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)


class Watchdog:
    """One thread that cuts calls past their deadline, and every call on ``cancel()``."""

    def __init__(self) -> None:
        self._calls: set[_Call] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.cancelled = False

    def start(self, seconds: float) -> _Call:
        call = _Call(time.monotonic() + seconds)
        with self._lock:
            self._calls.add(call)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="http-deadline")
                self._thread.daemon = True
                self._thread.start()
        return call

    def finish(self, call: _Call) -> None:
        with self._lock:
            self._calls.discard(call)

    def cancel(self) -> None:
        """Cut every call in flight and refuse new ones (the collector is stopping)."""
        self.cancelled = True
        with self._lock:
            calls = list(self._calls)
        for call in calls:
            call.cancelled = True
            call.cut()

    def _watch(self) -> None:
        while True:
            self._wake.wait(0.1)
            now = time.monotonic()
            with self._lock:
                if not self._calls:
                    self._thread = None
                    return
                late = [c for c in self._calls if now >= c.deadline]
            for call in late:
                call.expired = True
                call.cut()


@dataclass(frozen=True)
class Limits:
    connect_timeout: float
    deadline: float  # seconds for the whole call: connect, headers and body
    max_bytes: int  # after decompression
    limit_name: str = "SMSDASH_MAX_ANSWER_BYTES"


def _decoder(encoding: str) -> Callable[[bytes, int], bytes] | None:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ParseError(f"unsupported Content-Encoding {encoding[:30]!r}")
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected

    def feed(data: bytes, room: int) -> bytes:
        # max_length keeps a compression bomb from inflating past the cap in one step.
        out = inflate.decompress(data, room)
        while inflate.unconsumed_tail and len(out) < room:
            out += inflate.decompress(inflate.unconsumed_tail, room - len(out))
        return out

    return feed


def _read_body(answer: requests.Response, limits: Limits, call: _Call) -> bytes:
    try:
        decode = _decoder(answer.headers.get("Content-Encoding", ""))
    except ParseError as err:
        err.http_status = answer.status_code
        raise
    body = bytearray()
    while True:
        if call.expired or time.monotonic() >= call.deadline:
            raise TimeoutError
        chunk = answer.raw.read(CHUNK, decode_content=False)
        if not chunk:
            break
        room = limits.max_bytes + 1 - len(body)
        body += decode(chunk, room) if decode else chunk
        if len(body) > limits.max_bytes:
            raise OverflowError
    return bytes(body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def exchange(
    session: requests.Session,
    watchdog: Watchdog,
    http_method: str,
    url: str,
    limits: Limits,
    *,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
) -> Answer:
    """Do one call; raise TransportError (timeout, connection, too_large, redirect) on failure.

    Exception texts from requests carry the URL (and so the key); only a short
    description of the cause leaves this function, and never chained.
    """
    if watchdog.cancelled:
        raise TransportError("cancelled: the collector is stopping", outcome="connection")
    call = watchdog.start(limits.deadline)
    _local.call = call
    failure: TransportError | None = None
    try:
        answer = session.request(
            http_method,
            url,
            params=params,
            data=data,
            timeout=(limits.connect_timeout, limits.deadline),
            allow_redirects=False,
            stream=True,
            headers={"Accept-Encoding": "gzip, deflate"},
        )
        with answer:
            if answer.is_redirect or 300 <= answer.status_code < 400:
                failure = TransportError(
                    f"HTTP {answer.status_code} redirect refused (redirects are never followed)",
                    outcome="redirect",
                    http_status=answer.status_code,
                )
            else:
                return Answer(answer.status_code, _read_body(answer, limits, call))
    except ParseError:
        raise
    except OverflowError:
        failure = TransportError(
            f"answer larger than {limits.max_bytes} bytes ({limits.limit_name})",
            outcome="too_large",
        )
    except Exception as exc:  # every transport fault becomes one typed error
        failure = _classify(exc, call, limits)
    finally:
        _local.call = None
        watchdog.finish(call)
    raise failure


def _classify(exc: Exception, call: _Call, limits: Limits) -> TransportError:
    if call.cancelled:
        return TransportError("cancelled: the collector is stopping", outcome="connection")
    if call.expired or isinstance(exc, TimeoutError | requests.Timeout):
        return TransportError(f"no complete answer within {limits.deadline:g} s", outcome="timeout")
    return TransportError(describe(exc), outcome="connection")


def describe(exc: BaseException) -> str:
    """The innermost cause in one line, without the URL the outer exceptions repeat."""
    cause: BaseException = exc
    seen = 0
    while seen < 8:
        reason = getattr(cause, "reason", None)
        first = cause.args[0] if cause.args else None
        if isinstance(reason, BaseException):
            inner: BaseException | None = reason
        elif isinstance(first, BaseException):
            inner = first  # requests wraps urllib3's MaxRetryError as its first argument
        else:
            inner = cause.__cause__
        if inner is None or inner is cause:
            break
        cause, seen = inner, seen + 1
    text = str(cause)
    # urllib3 prefixes its connection object's repr: "<...HTTPConnection object at 0x..>: cause"
    if text.startswith("<") and ">: " in text:
        text = text.split(">: ", 1)[1]
    name = type(cause).__name__
    if isinstance(cause, socket.gaierror) or "NameResolution" in name:
        name = "DNS lookup failed"
    return f"{name}: {text}" if text else name
