"""Text from the gateway or the database, made safe to show: never markup, never reordered."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable

import pandas as pd

from dashboard.formatting import mask_number

# Bidi controls and other invisible format characters can reorder or hide what a cell shows
# (a "Trojan source" sender); they are replaced by a visible mark.
_INVISIBLE = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f]"
)
MAX_SHOWN = 300


def text(value: object, limit: int = MAX_SHOWN) -> str:
    """A plain string for a table cell or st.text: controls made visible, length bounded."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    shown = _INVISIBLE.sub("\ufffd", str(value))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def chart(value: object) -> str:
    """A label for a plotly figure, which reads ``<b>``, ``<a href>`` and entities as markup."""
    return html.escape(text(value, 80), quote=False)


def chart_column(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame.copy()
    out[column] = [chart(v) if isinstance(v, str) else v for v in frame[column]]
    return out


def csv_cell(value: object) -> object:
    """A spreadsheet reads a cell starting with = + - @ as a formula: quote it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_row(number_index: int, show_numbers: bool) -> Callable[[list[object]], list[object]]:
    def shown(cells: list[object]) -> list[object]:
        out = [csv_cell(v) for v in cells]
        out[number_index] = csv_cell(mask_number(str(cells[number_index]), show_numbers))
        return out

    return shown
