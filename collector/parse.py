"""Pure parsers: an HTTP status and body in, typed records or a typed error out. No I/O."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from collector.errors import ApiError, ClientError, ParseError, ServerError
from collector.redact import excerpt
from db.records import NumberRecord, RequestRecord

# RequestList carries no zone; SmsManager is a Czech service (an inference, see the spec).
PRAGUE = ZoneInfo("Europe/Prague")
_ERROR = re.compile(rb"^\s*ERROR\|(\d{1,4})(?:\||\s*$)")
# Ids are opaque: integers in the legacy docs, UUIDs (36 characters) in the LTS docs.
MAX_ID = 64


@dataclass(frozen=True, slots=True)
class UserInfo:
    credit: float
    default_sender: str | None
    default_gateway: str | None


@dataclass(frozen=True, slots=True)
class SendAnswer:
    request_id: str
    numbers: list[str]
    custom_id: str | None


@dataclass(frozen=True, slots=True)
class Price:
    recipients: int
    parts: int
    characters: int
    price_per_message: float
    total: float


def check_status(status: int, body: bytes) -> None:
    """Raise the typed error an error answer stands for; return on a plain 200."""
    match = _ERROR.match(body[:64])
    code = int(match.group(1)) if match else None
    if status == 200 and code is None:
        return
    text = excerpt(body)
    if code is None and status < 500:
        raise ParseError(
            f"HTTP {status} without an SmsManager error code", excerpt=text, http_status=status
        )
    message = f"HTTP {status}" + (f", SmsManager error {code}" if code is not None else "")
    server = status >= 500 if code is None else code >= 900 or status >= 500
    cls = ServerError if server else ClientError
    err: ApiError = cls(message, code=code, http_status=status)
    raise err


def _lines(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8", "replace")
    return [[f.strip() for f in line.split("|")] for line in text.splitlines() if line.strip()]


def _int(value: str, what: str, line: list[str]) -> int | None:
    if value == "":
        return None
    try:
        number: int | None = int(value)
    except ValueError:
        number = None
    # Codes and counts fit a 32-bit column; anything else is not what the API sends.
    if number is None or not -(2**31) < number < 2**31:
        raise ParseError(f"{what} is not a number", excerpt=excerpt("|".join(line).encode()))
    return number


def _time(value: str, line: list[str]) -> datetime | None:
    if value == "":
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=PRAGUE).astimezone(UTC)
        except ValueError:
            continue
    raise ParseError("bad timestamp", excerpt=excerpt("|".join(line).encode()))


def _need(line: list[str], fields: int, what: str) -> None:
    if len(line) < fields:
        raise ParseError(
            f"{what} line has {len(line)} fields, expected {fields}",
            excerpt=excerpt("|".join(line).encode()),
        )


def valid_request_id(value: str) -> bool:
    """Up to 64 characters, none of them a control, format (bidi) or space character."""
    return 0 < len(value) <= MAX_ID and not any(unicodedata.category(c)[0] in "CZ" for c in value)


def _request_id(value: str, line: list[str]) -> str:
    if not valid_request_id(value):
        raise ParseError("bad request id", excerpt=excerpt("|".join(line).encode()))
    return value


def parse_request_list(body: bytes) -> list[RequestRecord]:
    """``id|gateway|created|expiration|sender|remaining|state`` per line."""
    records = []
    for line in _lines(body):
        _need(line, 7, "RequestList")
        records.append(
            RequestRecord(
                request_id=_request_id(line[0], line),
                gateway=line[1][:16] or None,
                created_at=_time(line[2], line),
                expires_at=_time(line[3], line),
                sender=line[4][:32] or None,
                remaining=_int(line[5], "remaining recipients", line),
                request_state=_int(line[6], "request state", line),
            )
        )
    return records


def parse_request_status(body: bytes) -> list[NumberRecord]:
    """``number|request state|expected receipts|receipt`` per line; empty means no data now."""
    records = []
    for line in _lines(body):
        _need(line, 4, "RequestStatus")
        number = line[0].lstrip("+")
        if not number.isdigit() or len(number) > 20:
            raise ParseError("bad phone number", excerpt=excerpt("|".join(line).encode()))
        records.append(
            NumberRecord(
                number=number,
                request_state=_int(line[1], "request state", line),
                expected_receipts=_int(line[2], "expected receipts", line),
                receipt_state=_int(line[3], "receipt", line),
            )
        )
    return records


def parse_user_info(body: bytes) -> UserInfo:
    """``credit|default sender|default gateway``."""
    lines = _lines(body)
    if not lines:
        raise ParseError("empty GetUserInfo answer")
    line = lines[0]
    try:
        credit = float(line[0])
    except ValueError:
        raise ParseError("credit is not a number", excerpt=excerpt(body)) from None
    if not math.isfinite(credit):
        raise ParseError("credit is not a finite number", excerpt=excerpt(body))
    return UserInfo(credit, (line[1:2] or [""])[0] or None, (line[2:3] or [""])[0] or None)


def parse_send(body: bytes) -> list[SendAnswer]:
    """``OK|request id|number,number[|custom id]`` per line, all lines or none.

    The legacy API answers one line for all numbers; the LTS API one line per recipient
    (``OK|id|number``). A line that is not an OK line spoils the whole answer: which of the
    numbers were accepted would be a guess.
    """
    lines = _lines(body)
    if not lines:
        raise ParseError("empty answer to Send")
    answers = []
    for line in lines:
        if line[0] != "OK" or len(line) < 3:
            raise ParseError("not an OK answer to Send", excerpt=excerpt(body))
        numbers = [n.strip().lstrip("+") for n in line[2].split(",") if n.strip()]
        if not numbers or not all(n.isascii() and n.isdigit() and len(n) <= 20 for n in numbers):
            raise ParseError("bad number in a Send answer", excerpt=excerpt(body))
        custom_id = line[3] or None if len(line) > 3 else None
        answers.append(SendAnswer(_request_id(line[1], line), numbers, custom_id))
    return answers


def parse_price(body: bytes) -> Price:
    """``recipients|parts|characters|price per message|total``."""
    lines = _lines(body)
    if not lines:
        raise ParseError("empty GetPrice answer")
    line = lines[0]
    _need(line, 5, "GetPrice")
    try:
        return Price(int(line[0]), int(line[1]), int(line[2]), float(line[3]), float(line[4]))
    except ValueError:
        raise ParseError("GetPrice field is not a number", excerpt=excerpt(body)) from None
