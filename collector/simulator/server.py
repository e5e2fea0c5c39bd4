"""The simulator's threaded HTTP server: SmsManager's legacy HTTP and XML answers, and faults."""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from collector.simulator.gateway import CallLogEntry, Gateway, SimError, prague_text
from collector.simulator.xmlapi import error_document, send_xml

log = logging.getLogger(__name__)

METHODS = {
    "send": "Send",
    "requestlist": "RequestList",
    "requeststatus": "RequestStatus",
    "getuserinfo": "GetUserInfo",
    "getprice": "GetPrice",
    "cancel": "Cancel",
    "xml/send": "XmlSend",
}
HTML_503 = (
    "<html><head><title>503 Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1></body></html>"
)
SYSTEM_CODES = (900, 901, 912, 950, 999)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle on, the client's delayed ACK
        # would hold every answer back by 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        query = urlsplit(self.path).query
        self._handle(f"{query}&{body}" if query else body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("simulator: %s", format % args)

    def _handle(self, query: str) -> None:
        gateway = self.server.gateway
        name = METHODS.get(urlsplit(self.path).path.strip("/").lower())
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if name is None:
            self._write(404, "unknown method", "text/plain", None, None, None, None)
            return
        request_id = params.get("requestid")
        if gateway.faults.latency and name in gateway.faults.methods:
            time.sleep(gateway.faults.latency)
        fault = self._inject_fault(gateway, name)
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
            time.sleep(gateway.faults.slow_seconds)
        try:
            status, body, ctype, fault2 = 200, *self._dispatch(gateway, name, params)
            fault = fault or fault2
            code = None
        except SimError as err:
            status, code, ctype = err.http_status, err.code, "text/plain"
            body = error_document(err.code) if name == "XmlSend" else f"ERROR|{err.code}"
            ctype = "text/xml" if name == "XmlSend" else ctype
        self._write(status, body, ctype, name, code, fault, request_id)

    def _inject_fault(self, gateway: Gateway, name: str) -> str | None:
        faults = gateway.faults
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

    def _dispatch(
        self, gateway: Gateway, name: str, p: dict[str, str]
    ) -> tuple[str, str, str | None]:
        key = p.get("apikey")
        faults = gateway.faults
        rng = gateway.fault_rng
        if name == "Send":
            r = gateway.send(
                key,
                p.get("number"),
                p.get("message"),
                gateway=p.get("gateway"),
                sender=p.get("sender"),
                custom_id=p.get("customid"),
                send_time=p.get("time"),
                expiration=p.get("expiration"),
                utf=p.get("type", "").lower() == "utf",
            )
            tail = f"|{r.custom_id}" if r.custom_id else ""
            return f"OK|{r.request_id}|{','.join(r.numbers)}{tail}", "text/plain", None
        if name == "XmlSend":
            return send_xml(gateway, p.get("xmldata")), "text/xml", None
        if name == "GetUserInfo":
            acc = gateway.account(key)
            return (
                f"{acc.credit:.2f}|{acc.default_sender}|{acc.default_gateway}",
                "text/plain",
                None,
            )
        if name == "GetPrice":
            numbers, parts, chars, unit = gateway.price(
                key,
                p.get("number"),
                p.get("message"),
                p.get("gateway"),
                p.get("sender"),
                p.get("type", "").lower() == "utf",
            )
            per_msg = unit * parts
            total = per_msg * len(numbers)
            return f"{len(numbers)}|{parts}|{chars}|{per_msg:.2f}|{total:.2f}", "text/plain", None
        if name == "Cancel":
            return f"OK|{gateway.cancel(key, p.get('requestid'))}", "text/plain", None
        unknown = name in faults.methods and faults.unknown_codes > 0
        if name == "RequestList":
            lines = []
            for req, remaining, state in gateway.request_list(key):
                if unknown and rng.random() < faults.unknown_codes:
                    state = 8
                lines.append(
                    f"{req.request_id}|{req.gateway}|{prague_text(req.created_at)}|"
                    f"{prague_text(req.expires_at)}|{req.sender}|{remaining}|{state}"
                )
            return "".join(f"{line}\n" for line in lines), "text/plain", None
        rows = gateway.request_status(key, p.get("requestid"))
        if name in faults.methods and rng.random() < faults.empty_status:
            return "", "text/plain", "empty"
        lines = []
        for number, state, expected, receipt in rows:
            if unknown and rng.random() < faults.unknown_codes:
                state, receipt = (8, receipt) if rng.random() < 0.5 else (state, 9)
            lines.append(f"{number}|{state}|{expected}|{receipt}")
        return "".join(f"{line}\n" for line in lines), "text/plain", None

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

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway

    def rng_code(self) -> int:
        return self.gateway.fault_rng.choice(SYSTEM_CODES)


class SimulatorServer:
    """Start/stop the simulator on a loopback port (0 picks a free one)."""

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = gateway
        self._server = _Server((host, port), gateway)
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
