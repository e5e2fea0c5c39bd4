"""Every label in both languages, and values formatted the way each language writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard import formatting
from dashboard.i18n import CODE_NAMES, LABELS, PLURALS, t
from db import codes
from tests.conftest import ROOT

# Labels that are the same word in both languages on purpose.
SAME_IN_BOTH = {"http_status", "family_503"}
NBSP = "\xa0"


def keys_used_in_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        found |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text()))
    return found


def test_every_key_the_pages_use_has_an_english_and_a_czech_label() -> None:
    missing = keys_used_in_code() - set(LABELS)
    assert not missing, f"keys without a label: {sorted(missing)}"


def test_every_label_is_translated_not_copied() -> None:
    untranslated = [
        key
        for key, (en, cs) in LABELS.items()
        if not en or not cs or (en == cs and key not in SAME_IN_BOTH)
    ]
    assert not untranslated, f"labels with no Czech text of their own: {untranslated}"


def test_every_code_has_a_short_name_in_both_languages() -> None:
    for kind, table in (("request_state", codes.REQUEST_STATES), ("receipt", codes.RECEIPTS)):
        assert set(CODE_NAMES[kind]) == set(table)
        for en, cs in CODE_NAMES[kind].values():
            assert en and cs and en != cs


def test_a_formatted_label_keeps_its_placeholders_in_both_languages() -> None:
    for key, (en, cs) in LABELS.items():
        assert set(re.findall(r"{(\w+)", en)) == set(re.findall(r"{(\w+)", cs)), key


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1 zpráva"), (2, "2 zprávy"), (4, "4 zprávy"), (5, "5 zpráv"), (0, "0 zpráv")],
)
def test_czech_plurals_follow_the_language_rules(n: int, text: str) -> None:
    assert formatting.plural("messages", n, "cs") == text


def test_english_plurals() -> None:
    assert formatting.plural("messages", 1, "en") == "1 message"
    assert formatting.plural("messages", 1234, "en") == "1,234 messages"
    assert set(PLURALS) >= {"messages"}


def test_numbers_percentages_and_money_are_written_the_czech_way() -> None:
    assert formatting.money(4106.15, "cs") == f"4{NBSP}106,15{NBSP}Kč"
    assert formatting.percent(0.77, "cs") == f"77,0{NBSP}%"
    assert formatting.number(1234567, "cs") == f"1{NBSP}234{NBSP}567"
    assert formatting.money(4106.15, "en") == f"4,106.15{NBSP}CZK"
    assert formatting.percent(0.77, "en") == "77.0%"


def test_dates_are_written_in_the_page_language_and_zone() -> None:
    at = datetime(2026, 12, 1, 13, 5, 9, tzinfo=UTC)
    assert formatting.when(at, ZoneInfo("Europe/Prague"), "cs") == "1. 12. 2026 14:05:09"
    assert formatting.when(at, ZoneInfo("Asia/Tokyo"), "en") == "1 Dec 2026, 22:05:09"


def test_no_value_is_ever_written_as_nan_or_none() -> None:
    assert formatting.number(float("nan"), "cs") == "—"
    assert formatting.number(None, "en") == "—"
    assert formatting.percent(None, "cs") == "—"
    assert formatting.code_name("receipt", None, "cs") == "žádný"
    assert formatting.as_code(float("nan")) is None


def test_receipt_8_sends_the_reader_to_smsmanager_support() -> None:
    assert "SmsManager support" in formatting.code_meaning("receipt", 8, "en")
    assert "podpora SmsManageru" in formatting.code_meaning("receipt", 8, "cs")
    assert "nás" not in formatting.code_meaning("receipt", 8, "cs")


def test_call_outcomes_and_the_collectors_details_are_translated() -> None:
    assert formatting.outcome("timeout", "cs") == "vypršel čas"
    assert formatting.outcome("connection", "cs") == "spojení selhalo"
    assert formatting.detail_text("no answer within 10 s", "cs") == "bez odpovědi do 10 s"
    assert t("outcome_timeout", "en") == "timeout"


@pytest.mark.parametrize(
    ("p", "en", "cs"),
    [
        (0.034, "0.034", "0,034"),
        (0.5, "0.50", "0,50"),
        (0.0012, "0.0012", "0,0012"),
        (0.00012, "< 0.001", "< 0,001"),
        (None, "—", "—"),
    ],
)
def test_a_p_value_has_two_significant_digits_and_the_languages_decimal_mark(
    p: float | None, en: str, cs: str
) -> None:
    assert (formatting.p_value(p, "en"), formatting.p_value(p, "cs")) == (en, cs)


@pytest.mark.parametrize(
    ("change", "en", "cs"),
    [
        (1.24, "+1.2 pp", "+1,2 p. b."),
        (-0.31, "-0.3 pp", "-0,3 p. b."),
        (-0.04, "±0.0 pp", "±0,0 p. b."),
    ],
)
def test_a_change_in_points_is_signed_after_rounding_and_named_in_the_language(
    change: float, en: str, cs: str
) -> None:
    assert (formatting.points(change, "en"), formatting.points(change, "cs")) == (en, cs)
