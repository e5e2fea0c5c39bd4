"""How values read on the page, per language (Babel): numbers, money, times, ages, codes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from dashboard.i18n import CODE_NAMES, LABELS, MEANING_OVERRIDES, PLURALS, t
from db import codes
from db.codes import Lang

LOCALES: dict[Lang, str] = {"en": "en_GB", "cs": "cs_CZ"}
DATETIME = {"en": "d MMM yyyy, HH:mm:ss", "cs": "d. M. yyyy H:mm:ss"}
SHORT_DATETIME = {"en": "d MMM, HH:mm", "cs": "d. M. H:mm"}


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(LOCALES[lang])


def mask_number(number: str, show: bool = False) -> str:
    """``420777111222`` -> ``420 777 ••• 222`` unless full numbers are switched on."""
    if show:
        return number
    if len(number) < 7:
        return "•" * len(number)
    return f"{number[:3]} {number[3:6]} ••• {number[-3:]}"


def number(value: float | None, lang: Lang, digits: int = 0) -> str:
    """``4106.15`` -> ``4,106.15`` / ``4 106,15``."""
    if value is None or math.isnan(value):  # no figure, never the word "nan"
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=_locale(lang))


def p_value(value: float | None, lang: Lang) -> str:
    """A test's p-value to two significant digits: ``0.034`` / ``0,034``; tiny ones as a bound."""
    if value is None or math.isnan(value):
        return "—"
    if value < 0.001:  # more digits there would claim a precision the test does not have
        return "< " + format_decimal(0.001, "0.000", locale=_locale(lang))
    return format_decimal(value, "@@", locale=_locale(lang))


def points(change: float, lang: Lang) -> str:
    """A change of a share in percentage points, to one decimal: ``+1.2 pp`` / ``-0,3 p. b.``.

    Signed after rounding, so a tiny fall reads ``±0.0``, never ``-0.0``.
    """
    rounded = round(change, 1)
    sign = "+" if rounded > 0 else "-" if rounded < 0 else "±"
    unit = "p. b." if lang == "cs" else "pp"
    return f"{sign}{number(abs(rounded), lang, 1)} {unit}"


def delta_count(now: int, before: int, lang: Lang) -> str | None:
    """A KPI tile's change in a count: "+3", "-1,204"; None when unchanged (no arrow)."""
    change = now - before
    if change == 0:
        return None
    return f"{'+' if change > 0 else '-'}{number(abs(change), lang)}"


def percent(share: float | None, lang: Lang) -> str:
    """``0.77`` -> ``77.0%`` / ``77,0 %`` (the locale says where the sign goes)."""
    if share is None:
        return "—"
    pattern = _locale(lang).percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(share, pattern, locale=_locale(lang))


def money(value: float | None, lang: Lang) -> str:
    """CZK with the locale's separators and symbol: ``CZK 4,106.15`` / ``4 106,15 Kč``."""
    if value is None:
        return "—"
    # English: the ISO code after the amount ("980.00 CZK") reads better than "CZK980.00".
    pattern = None if lang == "cs" else "#,##0.00\xa0¤¤"
    return format_currency(value, "CZK", pattern, locale=_locale(lang))


def when(value: datetime | None, tz: ZoneInfo, lang: Lang, short: bool = False) -> str:
    if value is None:
        return "—"
    pattern = (SHORT_DATETIME if short else DATETIME)[lang]
    return format_datetime(value, pattern, tzinfo=tz, locale=_locale(lang))


def plural(key: str, n: int, lang: Lang) -> str:
    """``1 zpráva``, ``2 zprávy``, ``5 zpráv`` — CLDR plural rules, number in locale format."""
    en, cs = PLURALS[key]
    forms = cs if lang == "cs" else en
    form = _locale(lang).plural_form(n)
    return forms.get(form, forms["other"]).format(n=number(n, lang))


def age_text(seconds: float | None) -> str:
    """A duration the way a person says it: ``40 s``, ``12 min``, ``2 h 5 min``, ``3 d 4 h``."""
    if seconds is None:
        return "—"
    value = timedelta(seconds=max(0, int(seconds)))
    if value < timedelta(minutes=1):
        return f"{value.seconds} s"
    if value < timedelta(hours=1):
        return f"{value.seconds // 60} min"
    if value < timedelta(days=2):
        hours = value.days * 24 + value.seconds // 3600
        minutes = value.seconds % 3600 // 60
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    hours = value.seconds // 3600
    return f"{value.days} d {hours} h" if hours else f"{value.days} d"


def code_name(kind: str, code: int | None, lang: Lang) -> str:
    """The short name of a request state or receipt: ``delivered``, ``unknown (9)``."""
    if code is None:
        return t("no_code", lang)
    names = CODE_NAMES[kind].get(code)
    if names is None:
        return t("unknown_code", lang, code=code)
    return names[1] if lang == "cs" else names[0]


def code_meaning(kind: str, code: int | None, lang: Lang) -> str:
    """The full meaning, from SmsManager's table (receipt 8 reworded: their support, not us)."""
    if code is not None and (kind, code) in MEANING_OVERRIDES:
        en, cs = MEANING_OVERRIDES[(kind, code)]
        return cs if lang == "cs" else en
    if code is None:
        return t("no_code", lang)
    label = codes.receipt_label if kind == "receipt" else codes.request_state_label
    return label(code, lang)


def state_label(kind: str, code: int | None, lang: Lang) -> str:
    """``2 · delivered`` — the code first, then its short name."""
    if code is None:
        return t("no_code", lang)
    return f"{code} · {code_name(kind, code, lang)}"


def message_state(request_state: int | None, receipt: int | None, lang: Lang) -> str:
    """One label for a message: its receipt once sent, its request state before."""
    if request_state == 2 or (receipt or 0) > 0:
        return state_label("receipt", receipt, lang)
    return state_label("request_state", request_state, lang)


def message_kind(request_state: int | None, receipt: int | None) -> str:
    """Which code ``message_state`` shows: ``receipt`` or ``request_state``."""
    return "receipt" if request_state == 2 or (receipt or 0) > 0 else "request_state"


def outcome(name: str | None, lang: Lang) -> str:
    """An API call's outcome in words (``timeout`` -> ``vypršel čas``)."""
    if not name:
        return "—"
    key = f"outcome_{name}"
    return t(key, lang) if key in LABELS else name


FAMILY_OUTCOMES = {
    "timeout": "timeout",
    "connection failed": "connection",
    "unparseable answer": "unparseable",
    "empty RequestStatus": "empty",
    "redirect refused": "redirect",
    "answer too large": "too_large",
}


def family_label(family: str, lang: Lang) -> str:
    """The errors chart's groups in words: ``9xx system error``, ``103 · invalid …``."""
    if family == "9xx":
        return t("family_9xx", lang)
    if family == "HTTP 503":
        return t("family_503", lang)
    if family in FAMILY_OUTCOMES:
        return outcome(FAMILY_OUTCOMES[family], lang)
    if family.isdigit():
        return f"{family} · {codes.error_label(int(family), lang)}"
    return family


def detail_text(detail: str | None, lang: Lang) -> str:
    """The collector's short English failure detail, in the page's language where known."""
    if not detail:
        return ""
    match = re.fullmatch(r"no answer within ([\d.]+) s", detail)
    if match:
        return t("detail_timeout", lang, seconds=match.group(1))
    if detail == "empty body":
        return t("detail_empty", lang)
    return detail


def as_code(value: Any) -> int | None:
    """A code from a frame cell: None for NULL/NaN (never the text "nan"), else an int."""
    if value is None or pd.isna(value):
        return None
    return int(value)


def country_name(code: str, lang: Lang) -> str:
    """``CZ`` -> ``Czechia`` / ``Česko`` (CLDR via Babel); the code itself if CLDR lacks it."""
    if code == "":
        return t("country_none", lang)
    if code == "ZZ":  # db.country.UNKNOWN
        return t("country_unknown", lang)
    return str(_locale(lang).territories.get(code, code))


def counts(values: Iterable[Any], lang: Lang) -> list[str]:
    """A table's counts in the page's language: ``3,031`` / ``3 031``."""
    return [number(int(v), lang) for v in values]


def late_limit(seconds: float, own: bool, lang: Lang) -> str:
    """A late message's or request's limit and what set it: ``45 min (p95 of its kind)``."""
    return f"{age_text(seconds)} ({t('ins_p95' if own else 'ins_fixed', lang)})"
