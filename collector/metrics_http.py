"""Where /metrics listens: the address setting's syntax and the server thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collector.errors import ConfigError

if TYPE_CHECKING:  # the settings import this module: no HTTP server code when metrics are off
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)


def parse_metrics_addr(raw: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9464`` for IPv6) -> (host, port); where it may be is a setting."""
    name = "SMSDASH_METRICS_ADDR"
    host, sep, port_text = raw.strip().rpartition(":")
    if not sep or not host:
        raise ConfigError(f"{name}={raw!r} is not host:port (example: 127.0.0.1:9464)")
    host = host.removeprefix("[").removesuffix("]")
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: the port is not a number") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"{name}={raw!r}: the port must be 0-65535")
    return host, port


@dataclass
class MetricsServer:
    """The HTTP server of /metrics, in its own daemon thread (one more per scrape)."""

    httpd: WSGIServer

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(registry: CollectorRegistry, host: str, port: int) -> MetricsServer:
    from prometheus_client import start_http_server

    try:
        httpd, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise ConfigError(
            f"SMSDASH_METRICS_ADDR: cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    server = MetricsServer(httpd)
    log.info("serving Prometheus metrics on http://%s:%d/metrics", host, server.port)
    return server
