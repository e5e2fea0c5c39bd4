"""Small display helpers: masked numbers, ages, code labels."""

from __future__ import annotations

from datetime import timedelta

from db import codes
from db.codes import Lang


def mask_number(number: str, show: bool = False) -> str:
    """``420777111222`` -> ``420 777 ••• 222`` unless full numbers are switched on."""
    if show:
        return number
    if len(number) < 7:
        return "•" * len(number)
    return f"{number[:3]} {number[3:6]} ••• {number[-3:]}"


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    value = timedelta(seconds=int(seconds))
    if value < timedelta(minutes=1):
        return f"{value.seconds} s"
    if value < timedelta(hours=1):
        return f"{value.seconds // 60} min"
    if value < timedelta(days=2):
        hours = value.days * 24 + value.seconds // 3600
        return f"{hours} h {value.seconds % 3600 // 60} min"
    return f"{value.days} d {value.seconds // 3600} h"


def state_label(kind: str, code: int | None, lang: Lang) -> str:
    """``2 · message delivered`` — code first, then its meaning from the code table."""
    if code is None:
        return "—"
    label = (
        codes.receipt_label(code, lang)
        if kind == "receipt"
        else codes.request_state_label(code, lang)
    )
    return f"{code} · {label}"


def message_state(request_state: int | None, receipt: int | None, lang: Lang) -> str:
    """One label for a message: its receipt once sent, its request state before."""
    if request_state == 2 or (receipt or 0) > 0:
        return state_label("receipt", receipt, lang)
    return state_label("request_state", request_state, lang)
