"""The parser on sample answers in every form the spec lists (§1, §6): ids, line ends, errors."""

from __future__ import annotations

import pytest

from collector import parse
from collector.errors import ClientError, ParseError, ServerError
from db.records import NumberRecord

INTEGER_ID = "932125742"
UUID_ID = "550e8400-e29b-41d4-a716-446655440000"
LONGEST_ID = "a" * 32 + "-" + "b" * 31  # 64 characters


@pytest.mark.parametrize("rid", [INTEGER_ID, UUID_ID, LONGEST_ID])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_request_list_keeps_integer_uuid_and_64_character_ids_as_they_are(
    rid: str, newline: str
) -> None:
    body = f"{rid}|high|2026-03-18 10:00:00||MyShop|1|1{newline}".encode()
    (record,) = parse.parse_request_list(body).records
    assert record.request_id == rid and record.request_state == 1


@pytest.mark.parametrize(
    "rid",
    [
        "a" * 65,
        "12\x0034",
        "12\x0734",
        "\x1b[31m1234",
        "1234\u202e",  # right-to-left override
        "12\u200b34",  # zero-width space
        "12\u00a034",  # no-break space
        "12 34",
    ],
)
def test_an_id_too_long_or_with_control_or_space_characters_is_unparseable(rid: str) -> None:
    # The line alone is skipped (recorded), whichever check it fails first.
    good = b"1|high|2026-03-18 10:00:00||MyShop|1|1\n"
    line = f"{rid}|high|2026-03-18 10:00:00||MyShop|1|1\n".encode()
    parsed = parse.parse_request_list(good + line)
    assert [r.request_id for r in parsed.records] == ["1"] and len(parsed.rejected) == 1
    with pytest.raises(ParseError, match="no readable line"):
        parse.parse_request_list(line)
    with pytest.raises(ParseError, match=r"bad request id|control or bidi"):
        parse.parse_send(f"OK|{rid}|420777111222\n".encode())


def test_an_id_of_64_characters_is_valid_and_one_of_65_is_not() -> None:
    assert parse.valid_request_id(LONGEST_ID) and len(LONGEST_ID) == 64
    assert not parse.valid_request_id(LONGEST_ID + "c")
    assert not parse.valid_request_id("")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_request_status_lines_with_either_line_end_and_a_trailing_newline(newline: str) -> None:
    body = f"420777111222|2|0|2{newline}420777111223|1|1|1{newline}".encode()
    assert parse.parse_request_status(body).records == [
        NumberRecord("420777111222", 2, 0, 2),
        NumberRecord("420777111223", 1, 1, 1),
    ]


@pytest.mark.parametrize(
    ("body", "info"),
    [
        (b"999|123456789|economy\n", parse.UserInfo(999.0, "123456789", "economy")),
        (b"9999.50|SMSMANAGER|high", parse.UserInfo(9999.5, "SMSMANAGER", "high")),
        (b"9999.50|SMSMANAGER|high\r\n", parse.UserInfo(9999.5, "SMSMANAGER", "high")),
    ],
)
def test_user_info_with_and_without_its_trailing_newline(body: bytes, info: parse.UserInfo) -> None:
    assert parse.parse_user_info(body) == info


def test_a_legacy_send_answer_is_one_line_for_all_numbers_with_the_custom_id() -> None:
    body = f"OK|{INTEGER_ID}|420777111222,420777111223|987654321\n".encode()
    assert parse.parse_send(body) == [
        parse.SendAnswer(INTEGER_ID, ["420777111222", "420777111223"], "987654321")
    ]
    assert parse.parse_send(f"OK|{INTEGER_ID}|420777111222|".encode())[0].custom_id is None


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_lts_send_answer_gives_one_answer_per_recipient_line(newline: str) -> None:
    other = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    body = f"OK|{UUID_ID}|420777111222{newline}OK|{other}|420777111223{newline}".encode()
    assert parse.parse_send(body) == [
        parse.SendAnswer(UUID_ID, ["420777111222"], None),
        parse.SendAnswer(other, ["420777111223"], None),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\r\n",
        f"OK|{UUID_ID}|420777111222\nERROR|201\n".encode(),
        f"OK|{UUID_ID}|420777111222\nOK|{INTEGER_ID}\n".encode(),
        f"OK|{UUID_ID}|\n".encode(),
        f"OK|{UUID_ID}|42077711122x\n".encode(),
        f"OK|{UUID_ID}|\u0664\u0662\u0660\n".encode(),  # Arabic-Indic digits
        b"<html>Bad gateway</html>",
    ],
)
def test_a_send_answer_with_any_bad_line_is_unparseable_as_a_whole(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse.parse_send(body)


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (400, b"ERROR|102", ClientError, 102),
        (401, b"ERROR|103", ClientError, 103),
        (400, b"ERROR|104\n", ClientError, 104),
        (400, b"ERROR|109\r\n", ClientError, 109),
        (402, b"ERROR|105", ClientError, 105),
        (400, b"ERROR|201", ClientError, 201),
        (400, b"ERROR|202", ClientError, 202),
        (400, b"ERROR|203", ClientError, 203),
        (200, b"ERROR|103", ClientError, 103),  # one client's test stub answers so
        (500, b"ERROR|999", ServerError, 999),
        (503, b"ERROR|999", ServerError, 999),
        (503, b"", ServerError, None),
    ],
)
def test_error_bodies_seen_in_published_clients_become_typed_errors(
    status: int, body: bytes, error: type[Exception], code: int | None
) -> None:
    with pytest.raises(error) as info:
        parse.check_status(status, body)
    assert getattr(info.value, "code", "missing") == code
    assert getattr(info.value, "http_status", None) == status


def test_an_ok_send_answer_with_http_200_passes_the_status_check() -> None:
    parse.check_status(200, f"OK|{UUID_ID}|420777111222\n".encode())


def test_a_price_answer_with_a_trailing_newline() -> None:
    assert parse.parse_price(b"2|2|71|1.60|3.20\n") == parse.Price(2, 2, 71, 1.6, 3.2)
