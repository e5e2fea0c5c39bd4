"""The code table in db.codes matches the spec's return-codes.md row by row."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from db import codes

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "return-codes.md"


def spec_tables() -> list[list[list[str]]]:
    if not SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SPEC} is missing: CI must run with ../shared beside the project")
        pytest.skip(f"{SPEC} not found (the project's shared/ folder is not beside this clone)")
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                current.append(cells)
        elif current:
            tables.append(current[1:])  # drop the header row
            current = []
    if current:
        tables.append(current[1:])
    return tables


def plain(text: str) -> str:
    return re.sub(r"[`*]", "", text).strip()


def test_request_states_match_the_spec_row_by_row() -> None:
    rows = spec_tables()[0]
    assert [int(r[0]) for r in rows] == sorted(codes.REQUEST_STATES)
    for code, name, en, cs, final in rows:
        entry = codes.REQUEST_STATES[int(code)]
        assert entry.name == (None if plain(name) == "—" else plain(name))
        assert entry.meaning_en == plain(en)
        assert entry.meaning_cs == plain(cs)
        assert entry.final == (plain(final) == "yes")


def test_receipts_match_the_spec_row_by_row() -> None:
    rows = spec_tables()[1]
    assert [int(r[0]) for r in rows] == sorted(codes.RECEIPTS)
    for code, en, cs, final in rows:
        entry = codes.RECEIPTS[int(code)]
        assert entry.meaning_en == plain(en)
        assert entry.meaning_cs == plain(cs)
        assert entry.final == (plain(final) == "yes")


def test_error_codes_match_the_spec_row_by_row() -> None:
    rows = spec_tables()[2]
    listed = [r for r in rows if r[0].isdigit()]
    assert [int(r[0]) for r in listed] == sorted(codes.ERRORS)
    for code, http, en, cs, retry in listed:
        entry = codes.ERRORS[int(code)]
        assert entry.http_status == int(http)
        assert entry.meaning_en == plain(en)
        assert entry.meaning_cs == plain(cs)
        assert entry.retryable == (plain(retry) == "yes")
    family = next(r for r in rows if r[0] == "9xx")
    assert codes.SYSTEM_ERROR.http_status == int(family[1])
    assert codes.SYSTEM_ERROR.meaning_en == plain(family[2])
    unavailable = next(r for r in rows if r[1] == "503")
    assert codes.SERVICE_UNAVAILABLE.meaning_cs == plain(unavailable[3])


def test_final_sets_are_the_ones_the_design_names() -> None:
    assert {2, 4, 6, 7} == codes.REQUEST_STATE_FINAL
    assert {2, 3, 6, 7, 8} == codes.RECEIPT_FINAL


@pytest.mark.parametrize(
    ("request_state", "receipt", "final"),
    [
        (2, 0, False),
        (2, 2, True),
        (2, 5, False),
        (4, 0, True),
        (6, None, True),
        (7, 0, True),
        (1, 3, True),
        (8, 9, False),
        (None, None, False),
    ],
)
def test_a_message_is_final_when_its_request_ended_or_its_receipt_is_final(
    request_state: int | None, receipt: int | None, final: bool
) -> None:
    assert codes.is_message_final(request_state, receipt) is final


def test_unknown_codes_get_an_unknown_label_in_both_languages() -> None:
    assert codes.request_state_label(8) == "unknown (8)"
    assert codes.receipt_label(9, "cs") == "neznámý (9)"
    assert codes.request_state_label(2, "cs") == "Požadavek byl odeslán"
    assert codes.error_label(977) == "system error (tell SmsManager support)"
    assert codes.error_label(None, http_status=503).startswith("request could not be accepted")


def test_every_9xx_code_is_a_retryable_server_error_and_1xx_2xx_are_not() -> None:
    assert all(codes.is_error_retryable(c) for c in (900, 950, 999))
    assert not any(codes.is_error_retryable(c) for c in codes.ERRORS)
    assert codes.is_error_retryable(None, 503)
    assert codes.error_family(942) == "9xx"
    assert codes.error_family(103) == "103"
    assert codes.error_info(1000) is None
