"""Phone numbers and SMS parts as SmsManager counts them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s\-()./]")
# GSM 03.38 basic set; the extension set costs two septets each.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def normalize_number(raw: str) -> str | None:
    """E.164 digits without ``+``/``00``; a bare 9-digit number is Czech. None if invalid."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if len(digits) == 9:
        digits = "420" + digits
    return digits if 11 <= len(digits) <= 15 else None


def split_numbers(raw: str) -> list[str]:
    return [part for part in re.split(r"[;,]", raw) if part.strip()]


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Parts:
    characters: int
    parts: int
    unicode: bool


def count_parts(text: str, keep_unicode: bool = False) -> Parts:
    """SMS parts: 160/153 GSM-7 septets, 70/67 UCS-2 characters."""
    body = text if keep_unicode else strip_diacritics(text)
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in body):
        length = sum(2 if c in GSM_EXTENDED else 1 for c in body)
        single, multi, uni = 160, 153, False
    else:
        length = len(body)
        single, multi, uni = 70, 67, True
    parts = 1 if length <= single else -(-length // multi)
    return Parts(length, parts, uni)
