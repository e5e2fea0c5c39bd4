"""A phone number's destination country (ISO 3166 alpha-2), derived once when it is stored.

phonenumbers decides; no prefix table of our own. ``UNKNOWN`` ('ZZ', phonenumbers' and CLDR's
"unknown region") stands for a number it cannot place: an unknown calling code, a length no
number of that country has, a shared calling code (+1, +7, +44 ...) whose regions all reject
it, or a non-geographic service (+800, +882 ...). The country is where a number is registered,
not its operator: ported numbers keep their prefix.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

UNKNOWN = "ZZ"
MEMO = 65536
# Per number, phonenumbers takes 25-60 µs (parsing, regular expressions): as much as the
# whole write path spends on a message. Below, it runs once per prefix and length.
_ONE_REGION: dict[tuple[str, int], str] = {}
_REGIONS = {str(code): regions for code, regions in COUNTRY_CODE_TO_REGION_CODE.items()}


def _ask(number: str) -> str:
    """phonenumbers' answer for one number: its region if the length is possible there."""
    try:
        parsed = phonenumbers.parse("+" + number)
    except NumberParseException:
        return UNKNOWN
    if not phonenumbers.is_possible_number(parsed):
        return UNKNOWN
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and len(region) == 2 and region != UNKNOWN else UNKNOWN


@lru_cache(maxsize=MEMO)
def _shared(number: str) -> str:
    # A code shared by several regions is told apart by validity: the whole number counts.
    return _ask(number)


def country_of(number: str) -> str:
    """The number's region ('CZ', 'SK', 'DE' ...), or ``UNKNOWN``; digits with calling code."""
    if not (number.isascii() and number.isdigit()):
        return UNKNOWN
    # Calling codes are prefix-free: at most one of the first 1, 2 or 3 digits is one.
    # Three first: +420 and +421, most of the traffic, are found at the first look.
    for size in (3, 2, 1):
        regions = _REGIONS.get(number[:size])
        if regions is None:
            continue
        if len(regions) > 1:
            return _shared(number)
        # One region: phonenumbers names it without validating it, and judges a number
        # possible by its length; what else can sway that is a national prefix written
        # after the calling code, which is short. So one answer serves all the numbers of
        # this length that share the calling code and the next three digits.
        key = (number[: size + 3], len(number))
        found = _ONE_REGION.get(key)
        if found is None:
            if len(_ONE_REGION) >= MEMO:
                _ONE_REGION.clear()
            found = _ONE_REGION[key] = _ask(number)
        return found
    return UNKNOWN
