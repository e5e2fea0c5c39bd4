"""One colour rule for every chart, the same in light and dark themes.

Delivered green, finally failed red, not final amber, given up grey, unknown purple. Each
code has its own fixed shade within its family, so a code looks the same on every chart,
page and render.
"""

from __future__ import annotations

GREEN = "#2e7d32"
RED = "#c62828"
AMBER = "#f9a825"
GREY = "#8d8d8d"
PURPLE = "#8e44ad"

OUTCOMES = {"delivered": GREEN, "failed": RED, "pending": AMBER, "gave_up": GREY}

# Shades within a family keep stacked bars apart while the family still reads at a glance.
REQUEST_STATES = {
    0: "#ffe082",  # waiting
    9: "#ffca28",  # processing
    1: "#ffb300",  # sending
    3: "#fb8c00",  # partly sent
    5: "#e65100",  # retrying
    2: GREEN,  # sent
    4: "#b71c1c",  # invalid
    6: "#e57373",  # cancelled
    7: RED,  # rejected
}
RECEIPTS = {
    0: "#fff176",  # no receipt yet
    1: AMBER,  # being delivered
    4: "#ff7043",  # uncertain
    5: "#ef6c00",  # waiting (phone off)
    2: GREEN,  # delivered
    3: RED,  # not delivered
    6: "#e57373",  # expired
    7: "#ad1457",  # invalid number
    8: "#6d1b1b",  # not delivered, ask support
}
CALL_OUTCOMES = {
    "ok": GREEN,
    "client_error": RED,
    "server_error": "#ef6c00",
    "timeout": "#fdd835",
    "connection": "#6d4c41",
    "unparseable": PURPLE,
    "empty": "#90a4ae",
    "redirect": "#5d4037",
    "too_large": "#ad1457",
}
# Error families on the errors chart; an unlisted client code falls back to red.
ERROR_FAMILIES = {
    "9xx": "#ef6c00",
    "HTTP 503": "#ffa726",
    "timeout": "#fdd835",
    "connection failed": "#6d4c41",
    "unparseable answer": PURPLE,
    "empty RequestStatus": "#90a4ae",
    "redirect refused": "#5d4037",
    "answer too large": "#ad1457",
    "103": "#b71c1c",
}
SPEED = {"p50": "#90caf9", "p90": "#1e88e5", "p99": "#0d47a1"}
CREDIT = "#1e88e5"
# Gateways on one chart: hues away from the outcome families (green, red, amber, grey).
GATEWAYS = ("#1e88e5", "#00897b", "#8e24aa", "#6d4c41", "#3949ab", "#00acc1", "#d81b60")


def gateway_color(index: int) -> str:
    return GATEWAYS[index % len(GATEWAYS)]


def code_color(kind: str, code: int | None) -> str:
    table = RECEIPTS if kind == "receipt" else REQUEST_STATES
    return table.get(code, PURPLE) if code is not None else PURPLE


def call_color(outcome: str) -> str:
    return CALL_OUTCOMES.get(outcome, PURPLE)


def family_color(family: str) -> str:
    if family in ERROR_FAMILIES:
        return ERROR_FAMILIES[family]
    return RED if family[:1] in ("1", "2") else PURPLE
