"""SmsManager HTTP API client: one function per method, every call reported as an ApiCallRecord."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests

from collector import parse
from collector.errors import SmsDashError
from collector.redact import excerpt, install_log_redaction, printable, redact
from collector.transport import Limits, Watchdog, exchange, guard
from db.records import ApiCallRecord, NumberRecord, RequestRecord

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://http-api.smsmanager.cz/"
DEFAULT_MAX_ANSWER = 32 * 1024 * 1024
SMALL_ANSWER = 64 * 1024  # GetUserInfo, GetPrice and Send answer one short line
T = TypeVar("T")


class SmsManagerClient:
    """Talks to SmsManager (or the simulator) through an injected ``requests.Session``.

    Read methods are GET with query parameters, as the clients known to work with
    the real gateway call them; so the key is in the URL, and everything that can
    leave this class (records, exceptions, log lines) is redacted. The session gets
    a guarded adapter so a watchdog can cut a call at its deadline.
    """

    def __init__(
        self,
        session: requests.Session,
        api_key: str,
        base_url: str = DEFAULT_API_URL,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_answer: int = DEFAULT_MAX_ANSWER,
        on_call: Callable[[ApiCallRecord], None] | None = None,
    ) -> None:
        guard(session)
        # The key now travels in URLs, which urllib3 logs at DEBUG: every log record of
        # the process is redacted from here on, whoever emits it.
        install_log_redaction(api_key)
        self.session = session
        self.api_key = api_key
        self.base_url = base_url.rstrip("/") + "/"
        self.connect_timeout = min(connect_timeout, read_timeout)
        self.read_timeout = read_timeout
        self.max_answer = max_answer
        self.watchdog = Watchdog()
        self.on_call = on_call or (lambda _call: None)

    def cancel(self) -> None:
        """Cut the calls in flight and refuse new ones: the collector is stopping."""
        self.watchdog.cancel()

    def request_list(self) -> list[RequestRecord]:
        return self._call("RequestList", {}, parse.parse_request_list, big=True)

    def request_status(self, request_id: str) -> list[NumberRecord]:
        """The numbers' states; an empty 200 body is recorded with the outcome ``empty``."""
        return self._call(
            "RequestStatus",
            {"requestID": request_id},
            parse.parse_request_status,
            request_id,
            big=True,
        )

    def user_info(self) -> parse.UserInfo:
        return self._call("GetUserInfo", {}, parse.parse_user_info)

    def price(self, number: str, message: str, **options: str) -> parse.Price:
        return self._call(
            "GetPrice", {"number": number, "message": message, **options}, parse.parse_price
        )

    def send(self, number: str, message: str, **options: str) -> list[parse.SendAnswer]:
        return self._call(
            "Send",
            {"number": number, "message": message, **options},
            parse.parse_send,
            post=True,
        )

    def _call(
        self,
        method: str,
        params: dict[str, str],
        parser: Callable[[bytes], Any],
        request_id: str | None = None,
        *,
        big: bool = False,
        post: bool = False,
    ) -> Any:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        status: int | None = None

        def report(outcome: str, code: int | None = None, detail: str | None = None) -> None:
            self.on_call(
                ApiCallRecord(
                    method=method,
                    started_at=started,
                    duration_ms=round((time.perf_counter() - clock) * 1000, 2),
                    outcome=outcome,
                    http_status=status,
                    error_code=code,
                    detail=redact(printable(detail), self.api_key)[:300] if detail else None,
                    request_id=request_id,
                )
            )

        limits = (
            Limits(self.connect_timeout, self.read_timeout, self.max_answer)
            if big
            else Limits(
                self.connect_timeout, self.read_timeout, SMALL_ANSWER, f"the limit for {method}"
            )
        )
        fields = {"apikey": self.api_key, **params}
        failure: SmsDashError | None = None
        try:
            answer = exchange(
                self.session,
                self.watchdog,
                "POST" if post else "GET",
                self.base_url + method,
                limits,
                params=None if post else fields,
                data=fields if post else None,
            )
            status, body = answer.status, answer.body
            parse.check_status(status, body)
            result = parser(body)
        except SmsDashError as err:
            status = status if status is not None else getattr(err, "http_status", None)
            report(err.outcome, getattr(err, "code", None), str(err))
            # A gateway may echo the key; raised outside the handler, so nothing is chained.
            err.args = (redact(str(err), self.api_key),)
            failure = err
        if failure is not None:
            raise failure
        if isinstance(result, parse.Parsed):
            return self._lines(method, body, result, report)
        report("ok")
        log.debug("%s answered %s in %s", method, status, excerpt(body, self.api_key, 60))
        return result

    def _lines(
        self, method: str, body: bytes, result: parse.Parsed[Any], report: Callable[..., None]
    ) -> list[Any]:
        if result.rejected:
            skipped, kept = len(result.rejected), len(result.records)
            note = f"{skipped} line(s) skipped, {kept} kept; first: {result.rejected[0]}"
            report("unparseable", detail=note)
            log.warning("%s: %s", method, redact(note, self.api_key))
        elif not body.strip() and method == "RequestStatus":
            # The client that spelled the parameter differently always got this page:
            # recorded apart so a gateway that never answers cannot pass for "nothing new".
            report("empty", detail="empty body")
        else:
            report("ok", detail=None if body.strip() else "empty body")
        return result.records
