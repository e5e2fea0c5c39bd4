"""Pure parsers: an HTTP status and body in, typed records or a typed error out. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from collector.errors import ApiError, ClientError, ParseError, ServerError
from collector.redact import excerpt
from db.records import NumberRecord, RequestRecord

# RequestList carries no zone; SmsManager is a Czech service (an inference, see the spec).
PRAGUE = ZoneInfo("Europe/Prague")
_ERROR = re.compile(rb"^\s*ERROR\|(\d{1,4})(?:\||\s*$)")
# Ids are opaque: integers in the legacy docs, UUIDs (36 characters) in the LTS docs.
MAX_ID = 64
MIN_YEAR, MAX_YEAR = 2000, 2199
_INT = re.compile(r"-?[0-9]{1,9}", re.ASCII)
_FLOAT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?", re.ASCII)
_NUMBER = re.compile(r"[0-9]{1,20}", re.ASCII)
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})")
R = TypeVar("R")


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


class LineError(ValueError):
    """One line of a multi-line answer cannot be read; the rest of the answer still can."""


@dataclass(frozen=True, slots=True)
class Parsed(Generic[R]):
    """The lines that parsed, and a short redacted note for each line that did not."""

    records: list[R]
    rejected: list[str]  # "why: 'excerpt'" for each skipped line


def _suspect(char: str) -> bool:
    # Control, format (bidi overrides, zero-width) and surrogate characters have no
    # place in a gateway answer; a line carrying one is not trusted at all.
    return char != "\t" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def _lines(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    # Split on LF only: str.splitlines() would also cut a line at \x1c, \x85 or U+2028.
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def _fields(line: str) -> list[str]:
    if any(_suspect(c) for c in line):
        raise LineError("control or bidi character")
    return [f.strip() for f in line.split("|")]


def _int(value: str, what: str) -> int | None:
    if value == "":
        return None
    # ASCII digits only: int() would also accept "٤٢٠"; codes and counts fit 32 bits.
    if not _INT.fullmatch(value):
        raise LineError(f"{what} is not a number")
    return int(value)


def _time(value: str) -> datetime | None:
    if value == "":
        return None
    match = _TIME.fullmatch(value)
    if not match:
        raise LineError("bad timestamp")
    year, month, day, hour, minute, second = (int(p) for p in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise LineError("timestamp out of range")
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=PRAGUE).astimezone(UTC)
    except ValueError:
        raise LineError("bad timestamp") from None


def _need(line: list[str], fields: int, what: str) -> None:
    if len(line) < fields:
        raise LineError(f"{what} line has {len(line)} fields, expected {fields}")


def valid_request_id(value: str) -> bool:
    """Up to 64 characters, none of them a control, format (bidi) or space character."""
    return 0 < len(value) <= MAX_ID and not any(unicodedata.category(c)[0] in "CZ" for c in value)


def _request_id(value: str) -> str:
    if not valid_request_id(value):
        raise LineError("bad request id")
    return value


def _each(body: bytes, parse_line: Callable[[list[str]], R]) -> Parsed[R]:
    records: list[R] = []
    rejected: list[str] = []
    first = ""
    for raw in _lines(body):
        try:
            records.append(parse_line(_fields(raw)))
        except LineError as err:
            first = first or excerpt(raw.encode(), limit=80)
            rejected.append(f"{err}: {excerpt(raw.encode(), limit=80)!r}")
    if rejected and not records:
        # Nothing usable at all (an HTML page, say): the whole answer is the failure.
        reason = rejected[0].split(": ", 1)[0]
        raise ParseError(f"no readable line ({len(rejected)} tried; {reason})", excerpt=first)
    return Parsed(records, rejected)


def _request_line(line: list[str]) -> RequestRecord:
    _need(line, 7, "RequestList")
    return RequestRecord(
        request_id=_request_id(line[0]),
        gateway=line[1][:16] or None,
        created_at=_time(line[2]),
        expires_at=_time(line[3]),
        sender=line[4][:32] or None,
        remaining=_int(line[5], "remaining recipients"),
        request_state=_int(line[6], "request state"),
    )


def parse_request_list(body: bytes) -> Parsed[RequestRecord]:
    """``id|gateway|created|expiration|sender|remaining|state`` per line; bad lines skipped."""
    return _each(body, _request_line)


def _number_line(line: list[str]) -> NumberRecord:
    _need(line, 4, "RequestStatus")
    number = line[0].lstrip("+")
    if not _NUMBER.fullmatch(number):
        raise LineError("bad phone number")
    return NumberRecord(
        number=number,
        request_state=_int(line[1], "request state"),
        expected_receipts=_int(line[2], "expected receipts"),
        receipt_state=_int(line[3], "receipt"),
    )


def parse_request_status(body: bytes) -> Parsed[NumberRecord]:
    """``number|request state|expected receipts|receipt`` per line; empty means no data now."""
    return _each(body, _number_line)


def _number(value: str, what: str, body: bytes) -> float:
    if not _FLOAT.fullmatch(value):
        raise ParseError(f"{what} is not a number", excerpt=excerpt(body))
    return float(value)


def _single_line(body: bytes, method: str) -> list[str]:
    lines = _lines(body)
    if not lines:
        raise ParseError(f"empty {method} answer")
    try:
        return _fields(lines[0])
    except LineError as err:
        raise ParseError(str(err), excerpt=excerpt(body)) from None


def parse_user_info(body: bytes) -> UserInfo:
    """``credit|default sender|default gateway``."""
    line = _single_line(body, "GetUserInfo")
    credit = _number(line[0], "credit", body)
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
    for raw in lines:
        try:
            line = _fields(raw)
            if line[0] != "OK" or len(line) < 3:
                raise LineError("not an OK answer to Send")
            numbers = [n.strip().lstrip("+") for n in line[2].split(",") if n.strip()]
            if not numbers or not all(_NUMBER.fullmatch(n) for n in numbers):
                raise LineError("bad number in a Send answer")
            custom_id = line[3] or None if len(line) > 3 else None
            answers.append(SendAnswer(_request_id(line[1]), numbers, custom_id))
        except LineError as err:
            raise ParseError(str(err), excerpt=excerpt(body)) from None
    return answers


def parse_price(body: bytes) -> Price:
    """``recipients|parts|characters|price per message|total``."""
    line = _single_line(body, "GetPrice")
    if len(line) < 5:
        raise ParseError(f"GetPrice line has {len(line)} fields, expected 5", excerpt=excerpt(body))
    recipients, parts, characters = (int(_number(v, "GetPrice field", body)) for v in line[:3])
    price, total = _number(line[3], "price", body), _number(line[4], "total", body)
    return Price(recipients, parts, characters, price, total)
