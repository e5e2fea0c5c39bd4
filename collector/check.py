"""``smsdash-collector check``: one call of each read method, what it answered, what to fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from collector.client import SmsManagerClient
from collector.errors import ApiError, SmsDashError, TransportError
from collector.redact import printable
from collector.settings import Settings
from db import codes
from db.merge import mask
from db.records import ApiCallRecord

OK, FAILED, KEY_REJECTED = 0, 1, 4
PRICE_NUMBER = "420777777777"  # SmsManager's own test number; GetPrice sends nothing
EMPTY_STATUS = (
    "RequestStatus answered an empty page for a request that RequestList lists. The "
    "collector would never see a status change. Possible causes: the gateway does not "
    "recognise the request id parameter (smsdash sends requestID as a GET parameter), "
    "the key may not read statuses, or the request has no per-number data yet. Run "
    "check again in a minute; if it stays empty, ask SmsManager support."
)


def diagnose(err: SmsDashError, settings: Settings) -> str:
    """What a failure most likely means and which setting to look at, in one line."""
    if isinstance(err, ApiError) and err.code == 103:
        return (
            "the API key was rejected (error 103): set SMSDASH_API_KEY (or --api-key) to the "
            "key shown in the SmsManager web interface"
        )
    if isinstance(err, TransportError):
        cause = str(err).split(": ", 1)[-1]
        if err.outcome == "connection":
            return f"cannot reach SMSDASH_API_URL={settings.api_url}: {err}"
        if err.outcome == "timeout":
            return (
                f"no complete answer within {settings.read_timeout:g} s "
                "(SMSDASH_READ_TIMEOUT): the gateway or the network is slow"
            )
        if err.outcome == "redirect":
            return (
                f"SMSDASH_API_URL={settings.api_url} answered with a redirect, which is never "
                "followed: use the API's final URL (https://http-api.smsmanager.cz/)"
            )
        if err.outcome == "too_large":
            return f"{cause}: raise SMSDASH_MAX_ANSWER_BYTES if the account really lists that much"
    if isinstance(err, ApiError):
        label = codes.error_label(err.code, "en", err.http_status)
        side = "retry later, the gateway's side" if err.retryable else "the request is refused"
        return f"{err}: {label} ({side})"
    return (
        f"{err} — is SMSDASH_API_URL={settings.api_url} SmsManager's HTTP API "
        "(not its web site or a proxy page)?"
    )


class Report:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.calls: list[ApiCallRecord] = []
        self.failures = 0
        self.key_rejected = False

    def line(self, text: str = "") -> None:
        self.out.write(printable(text) + "\n")

    def step(
        self, method: str, call: Callable[[], Any], settings: Settings
    ) -> tuple[Any, ApiCallRecord | None]:
        before = len(self.calls)
        try:
            result, error = call(), None
        except SmsDashError as err:
            result, error = None, err
        record = self.calls[-1] if len(self.calls) > before else None
        ms = f"{record.duration_ms:8.0f} ms" if record else " " * 11
        if error is None:
            status = "EMPTY" if record is not None and record.outcome == "empty" else "OK"
            self.line(f"{method:<14}{status:<7}{ms}")
            return result, record
        self.failures += 1
        if isinstance(error, ApiError) and error.code == 103:
            self.key_rejected = True
        self.line(f"{method:<14}{'FAILED':<7}{ms}  {diagnose(error, settings)}")
        return None, record


def run_check(client: SmsManagerClient, settings: Settings, out: TextIO) -> int:
    """Print one block per method; the exit code says whether the account is usable."""
    report = Report(out)
    client.on_call = report.calls.append
    report.line(f"checking SmsManager at {settings.api_url} (account label {settings.account!r})")
    info, _ = report.step("GetUserInfo", client.user_info, settings)
    if info is not None:
        report.line(
            f"    credit {info.credit:,.2f}, default sender {info.default_sender or '—'}, "
            f"default gateway {info.default_gateway or '—'}"
        )
    if report.key_rejected:
        return _finish(report)
    listed, _ = report.step("RequestList", client.request_list, settings)
    if listed is not None:
        report.line(f"    {len(listed)} request(s) listed")
    newest = max(listed or [], key=lambda r: (r.created_at is not None, r.created_at), default=None)
    if newest is None:
        report.line(f"{'RequestStatus':<14}{'SKIPPED':<7}{'':11}  no request listed to ask about")
    else:
        rid = newest.request_id
        numbers, record = report.step("RequestStatus", lambda: client.request_status(rid), settings)
        if record is not None and record.outcome == "empty":
            report.failures += 1
            report.line(f"    request {rid}: {EMPTY_STATUS}")
        elif numbers is not None:
            when = newest.created_at.strftime("%Y-%m-%d %H:%M UTC") if newest.created_at else "—"
            report.line(f"    request {rid}, created {when}:")
            for n in numbers[:20]:
                report.line(
                    f"      {mask(n.number)}  state {codes.request_state_label(n.request_state)}"
                    f", receipt {codes.receipt_label(n.receipt_state)}"
                )
            if len(numbers) > 20:
                report.line(f"      … and {len(numbers) - 20} more")
    price, _ = report.step(
        "GetPrice", lambda: client.price(PRICE_NUMBER, "smsdash check"), settings
    )
    if price is not None:
        report.line(f"    one test SMS would cost {price.total:,.2f} ({price.parts} part(s))")
    return _finish(report)


def _finish(report: Report) -> int:
    if report.key_rejected:
        report.line("result: the API key was rejected (exit 4)")
        return KEY_REJECTED
    if report.failures:
        report.line(f"result: {report.failures} problem(s) found (exit 1)")
        return FAILED
    report.line("result: the account answers every read method (exit 0)")
    return OK
