"""The pure parse layer on real sample answers, and on anything at all (hypothesis)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector import parse
from collector.errors import ClientError, ParseError, ServerError, SmsDashError
from db.records import NumberRecord


def test_request_list_parses_seven_fields_with_crlf_blank_lines_and_empty_fields() -> None:
    body = (
        b"123456|high|2026-03-18 10:00:00|2026-03-19 10:00:00|MyShop|2|1\r\n"
        b"\r\n"
        b" 123457 |economy|2026-07-01 08:30:00|||| 2 |extra\n"
    )
    first, second = parse.parse_request_list(body).records
    assert first.request_id == "123456" and first.gateway == "high"
    assert first.created_at == datetime(2026, 3, 18, 9, 0, tzinfo=UTC)  # CET is UTC+1
    assert first.expires_at == datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
    assert (first.sender, first.remaining, first.request_state) == ("MyShop", 2, 1)
    assert second.created_at == datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # CEST is UTC+2
    assert (second.expires_at, second.sender, second.remaining) == (None, None, None)
    assert second.request_state == 2


def test_request_status_keeps_unknown_codes_as_numbers() -> None:
    body = b"420777111220|2|0|2\n420777111221|8|1|9\n"
    assert parse.parse_request_status(body).records == [
        NumberRecord("420777111220", 2, 0, 2),
        NumberRecord("420777111221", 8, 1, 9),
    ]


def test_an_empty_status_body_is_no_data_not_an_error() -> None:
    assert parse.parse_request_status(b"") == parse.Parsed([], [])
    assert parse.parse_request_status(b"\r\n\n") == parse.Parsed([], [])


@pytest.mark.parametrize(
    "body",
    [
        b"420777111220|2|0\n",
        b"420777111220|x|0|2\n",
        b"<html>oops</html>\n",
        b"420777111220|2|0|99999999999999\n",
    ],
)
def test_a_malformed_status_line_is_a_parse_error_with_an_excerpt(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse.parse_request_status(body)
    assert info.value.outcome == "unparseable" and info.value.excerpt


def test_user_info_send_and_price_answers() -> None:
    assert parse.parse_user_info(b"9999.50|SMSMANAGER|high\n") == parse.UserInfo(
        9999.5, "SMSMANAGER", "high"
    )
    assert parse.parse_send(b"OK|1234|420777111220,420777111221|42") == [
        parse.SendAnswer("1234", ["420777111220", "420777111221"], "42")
    ]
    assert parse.parse_price(b"2|1|5|1.10|2.20").total == 2.2
    with pytest.raises(ParseError):
        parse.parse_user_info(b"nan|x|y")


@pytest.mark.parametrize(
    ("status", "body", "error", "code", "retryable"),
    [
        (401, b"ERROR|103", ClientError, 103, False),
        (400, b"ERROR|203|invalid sender", ClientError, 203, False),
        (402, b"ERROR|105\n", ClientError, 105, False),
        (500, b"ERROR|912", ServerError, 912, True),
        (503, b"", ServerError, None, True),
        (503, b"<html><body>Service Unavailable</body></html>", ServerError, None, True),
        (502, b"Bad gateway", ServerError, None, True),
        (404, b"<html>Not found</html>", ParseError, None, True),
    ],
)
def test_error_answers_become_typed_errors_that_know_if_a_retry_helps(
    status: int, body: bytes, error: type[SmsDashError], code: int | None, retryable: bool
) -> None:
    with pytest.raises(error) as info:
        parse.check_status(status, body)
    assert getattr(info.value, "code", None) == code
    assert info.value.retryable is retryable


def test_a_200_answer_passes_the_status_check() -> None:
    parse.check_status(200, b"420777111220|2|0|2\n")


PARSERS = [
    parse.parse_request_list,
    parse.parse_request_status,
    parse.parse_user_info,
    parse.parse_send,
    parse.parse_price,
]


@given(status=st.sampled_from([200, 400, 401, 500, 503]), body=st.binary(max_size=300))
def test_any_bytes_give_records_or_a_typed_error_never_another_exception(
    status: int, body: bytes
) -> None:
    for parser in PARSERS:
        try:
            parse.check_status(status, body)
            parser(body)
        except SmsDashError:
            pass


LINE = st.lists(
    st.one_of(st.text(max_size=12), st.integers(-5, 99_999).map(str), st.just("")),
    min_size=0,
    max_size=9,
).map("|".join)


@given(lines=st.lists(LINE, max_size=6), newline=st.sampled_from(["\n", "\r\n"]))
def test_answer_shaped_text_gives_records_or_a_parse_error(lines: list[str], newline: str) -> None:
    body = newline.join(lines).encode("utf-8")
    for parser in PARSERS:
        with contextlib.suppress(ParseError):
            parser(body)


GOOD_LIST_LINE = "123456|high|2026-03-18 10:00:00|2026-03-19 10:00:00|MyShop|2|1"
BAD_LIST_LINES = {
    "year 0001": "9|high|0001-01-01 00:00:00||MyShop|1|1",
    "year 9999": "9|high|9999-12-31 23:59:59||MyShop|1|1",
    "NUL byte": "9|hi\x00gh|2026-03-18 10:00:00||MyShop|1|1",
    "superscript digits": "9|high|2026-03-18 10:00:00||MyShop|²³¹|1",
    "Arabic-Indic digits": "9|high|2026-03-18 10:00:00||MyShop|1|٤",
    "Arabic-Indic year": "9|high|٢٠٢٦-03-18 10:00:00||MyShop|1|1",
    "bidi override": "9|high|2026-03-18 10:00:00||\u202eMyShop|1|1",
    "zero-width joiner": "9\u200d|high|2026-03-18 10:00:00||MyShop|1|1",
    "line separator": "9|high|2026-03-18 10:00:00||My\u2028Shop|1|1",
    "Feb 30": "9|high|2026-02-30 10:00:00||MyShop|1|1",
}


@pytest.mark.parametrize("name", list(BAD_LIST_LINES))
def test_one_bad_request_list_line_is_skipped_and_the_rest_kept(name: str) -> None:
    body = f"{GOOD_LIST_LINE}\n{BAD_LIST_LINES[name]}\n{GOOD_LIST_LINE.replace('6|', '7|', 1)}\n"
    parsed = parse.parse_request_list(body.encode())
    assert [r.request_id for r in parsed.records] == ["123456", "123457"]
    assert len(parsed.rejected) == 1
    assert "\x00" not in parsed.rejected[0] and "\u202e" not in parsed.rejected[0]


@pytest.mark.parametrize(
    "line",
    ["42077711122²|2|0|2", "٤٢٠777111222|2|0|2", "420777111222|2|0|٢", "420777\x00111222|2|0|2"],
)
def test_one_bad_status_line_is_skipped_and_the_rest_kept(line: str) -> None:
    body = f"420777111220|2|0|2\n{line}\n420777111221|2|1|2\n".encode()
    parsed = parse.parse_request_status(body)
    assert [r.number for r in parsed.records] == ["420777111220", "420777111221"]
    assert len(parsed.rejected) == 1


def test_non_ascii_digits_are_not_a_credit() -> None:
    with pytest.raises(ParseError):
        parse.parse_user_info("٤٢٠.5|x|high".encode())
