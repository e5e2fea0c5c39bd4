"""SmsManager HTTP API client: one function per method, every call reported as an ApiCallRecord."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import requests

from collector import parse
from collector.errors import SmsDashError, TransportError
from collector.redact import excerpt, redact
from db.records import ApiCallRecord, NumberRecord, RequestRecord

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://http-api.smsmanager.cz/"
T = TypeVar("T")


class SmsManagerClient:
    """Talks to SmsManager (or the simulator) through an injected ``requests.Session``.

    The key travels in the POST body, never in a URL, so proxies and exception
    messages cannot leak it; everything reported is redacted once more anyway.
    """

    def __init__(
        self,
        session: requests.Session,
        api_key: str,
        base_url: str = DEFAULT_API_URL,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        on_call: Callable[[ApiCallRecord], None] | None = None,
    ) -> None:
        self.session = session
        self.api_key = api_key
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = (connect_timeout, read_timeout)
        self.on_call = on_call or (lambda _call: None)

    def request_list(self) -> list[RequestRecord]:
        return self._call("RequestList", {}, parse.parse_request_list)

    def request_status(self, request_id: str) -> list[NumberRecord]:
        return self._call(
            "RequestStatus", {"requestid": request_id}, parse.parse_request_status, request_id
        )

    def user_info(self) -> parse.UserInfo:
        return self._call("GetUserInfo", {}, parse.parse_user_info)

    def send(self, number: str, message: str, **options: str) -> list[parse.SendAnswer]:
        return self._call(
            "Send", {"number": number, "message": message, **options}, parse.parse_send
        )

    def price(self, number: str, message: str, **options: str) -> parse.Price:
        return self._call(
            "GetPrice", {"number": number, "message": message, **options}, parse.parse_price
        )

    def _call(
        self,
        method: str,
        params: dict[str, str],
        parser: Callable[[bytes], T],
        request_id: str | None = None,
    ) -> T:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        status: int | None = None
        body = b""

        def report(outcome: str, code: int | None = None, detail: str | None = None) -> None:
            self.on_call(
                ApiCallRecord(
                    method=method,
                    started_at=started,
                    duration_ms=round((time.perf_counter() - clock) * 1000, 2),
                    outcome=outcome,
                    http_status=status,
                    error_code=code,
                    detail=redact(detail, self.api_key) if detail else None,
                    request_id=request_id,
                )
            )

        try:
            answer = self.session.post(
                self.base_url + method,
                data={"apikey": self.api_key, **params},
                timeout=self.timeout,
            )
            status, body = answer.status_code, answer.content
        except requests.Timeout:
            # `from None`: the requests exception holds the prepared body, and so the key.
            report("timeout", detail=f"no answer within {self.timeout[1]:g} s")
            raise TransportError(f"{method}: timed out", outcome="timeout") from None
        except requests.RequestException as exc:
            detail = f"{type(exc).__name__}: {redact(str(exc), self.api_key)}"[:300]
            report("connection", detail=detail)
            raise TransportError(f"{method}: {detail}", outcome="connection") from None
        try:
            parse.check_status(status, body)
            result = parser(body)
        except SmsDashError as err:
            report(err.outcome, getattr(err, "code", None), redact(str(err), self.api_key))
            raise
        report("ok", detail=None if body.strip() else "empty body")
        log.debug("%s answered %s in %s", method, status, excerpt(body, self.api_key, 60))
        return result
