"""The simulator's threaded HTTP server: SmsManager's legacy HTTP and XML answers, and faults."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from collector.simulator.answers import answer, api_key
from collector.simulator.gateway import CallLogEntry, Faults, Gateway, SimError
from collector.simulator.wire import (
    METHODS,
    STRICT_VERBS,
    BadRequest,
    Params,
    content_length,
    form_fields,
)
from collector.simulator.xmlapi import error_document

log = logging.getLogger(__name__)
HTML_503 = (
    "<html><head><title>503 Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1></body></html>"
)
SYSTEM_CODES = (900, 901, 912, 950, 999)
HISTORY_PATH = "_simulator/history"  # ?apikey=KEY: the account's state paths so far, as JSON


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle on, the client's delayed ACK
        # would hold every answer back by 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: object) -> None:
        log.debug("simulator: %s", format % args)

    def _params(self, verb: str) -> Params:
        pairs = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        if verb == "POST":
            body = self.rfile.read(content_length(self.headers.get("Content-Length")))
            pairs += form_fields(self.headers.get("Content-Type"), body)
        return Params(pairs, strict=self.server.strict)

    def _handle(self, verb: str) -> None:
        gateway = self.server.gateway
        path = urlsplit(self.path).path.strip("/").lower()
        name = METHODS.get(path)
        try:
            params = self._params(verb)
        except BadRequest as err:
            self.close_connection = True
            self._write(err.status, err.text, "text/plain", name, None, "bad-request", None)
            return
        if path == HISTORY_PATH:
            self._history(gateway, params)
            return
        if name is None:
            self._write(404, "unknown method", "text/plain", None, None, None, None)
            return
        if self.server.strict and verb not in STRICT_VERBS[name]:
            # What the real server does is unknown; a plain 405 makes the mistake unmissable.
            self._write(405, "Method Not Allowed", "text/plain", name, None, "verb", None)
            return
        request_id = params.get("requestID")
        faults = gateway.faults_for(api_key(gateway, params))
        if faults.latency and name in faults.methods:
            time.sleep(faults.latency)
        fault = self._inject_fault(gateway, faults, name)
        if fault == "drop":
            gateway.log_call(CallLogEntry(time.monotonic(), name, None, None, fault, request_id))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.startswith("http"):
            status, code = (500, self.server.rng_code()) if fault == "http500" else (503, None)
            body = (
                ""
                if fault == "http503"
                else HTML_503
                if fault == "http503html"
                else f"ERROR|{code}"
            )
            self._write(
                status,
                body,
                "text/html" if "html" in fault else "text/plain",
                name,
                code,
                fault,
                request_id,
            )
            return
        if fault == "slow":
            time.sleep(faults.slow_seconds)
        try:
            status, body, ctype, fault2 = 200, *answer(gateway, name, params)
            fault = fault or fault2
            code = None
        except SimError as err:
            status, code, ctype = err.http_status, err.code, "text/plain"
            body = error_document(err.code) if name == "XmlSend" else f"ERROR|{err.code}"
            ctype = "text/xml" if name == "XmlSend" else ctype
        self._write(status, body, ctype, name, code, fault, request_id)

    def _history(self, gateway: Gateway, params: Params) -> None:
        """Not SmsManager's: the ground truth for benchmarks, with the gateway clock's reading
        and this machine's monotonic clock at the same instant (to convert gateway times)."""
        try:
            found = gateway.histories(api_key(gateway, params))
        except SimError as err:
            self._write(err.http_status, f"ERROR|{err.code}", "text/plain", None, None, None, None)
            return
        body = {
            "gateway_now": gateway.clock.now().isoformat(),
            "monotonic_now": time.monotonic(),
            "scale": gateway.clock.scale,
            "requests": found,
        }
        self._write(200, json.dumps(body), "application/json", None, None, None, None)

    def _inject_fault(self, gateway: Gateway, faults: Faults, name: str) -> str | None:
        if name not in faults.methods:
            return None
        draw = gateway.fault_rng.random()
        for label, rate in (
            ("drop", faults.drop),
            ("http500", faults.server_error),
            ("http503", faults.unavailable_empty),
            ("http503html", faults.unavailable_html),
            ("slow", faults.slow),
        ):
            if draw < rate:
                return label
            draw -= rate
        return None

    def _write(
        self,
        status: int,
        body: str,
        ctype: str,
        name: str | None,
        code: int | None,
        fault: str | None,
        request_id: str | None,
    ) -> None:
        if name is not None:
            self.server.gateway.log_call(
                CallLogEntry(time.monotonic(), name, status, code, fault, request_id)
            )
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (it timed out on a slow answer): nothing to tell it


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: Gateway, strict: bool) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway
        self.strict = strict

    def rng_code(self) -> int:
        return self.gateway.fault_rng.choice(SYSTEM_CODES)


class SimulatorServer:
    """Start/stop the simulator on a loopback port (0 picks a free one).

    ``strict`` (default: the gateway's): parameter names only as the spec spells them, read
    methods by GET only (see collector.simulator.wire); lenient matches names in any case.
    """

    def __init__(
        self,
        gateway: Gateway,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        strict: bool | None = None,
    ) -> None:
        self.gateway = gateway
        self.strict = gateway.strict if strict is None else strict
        self._server = _Server((host, port), gateway, self.strict)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="simulator", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
