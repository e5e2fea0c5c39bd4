"""Notification texts in English and Czech: short, with the figures that made the rule fire."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from collector.alerts.rules import Observation
from db.cohorts import BASELINE

LATE_DAYS = BASELINE.days

NAMES = {
    "delivery_rate": ("Delivery rate", "Úspěšnost doručení"),
    "stuck": ("Stuck messages", "Zaseknuté zprávy"),
    "api_errors": ("API errors", "Chyby API"),
    "api_key": ("API key rejected", "API klíč odmítnut"),
    "credit": ("Credit", "Kredit"),
    "collector_stale": ("Collector stale", "Sběr stojí"),
}
KINDS = {
    "firing": ("FIRING", "PROBLÉM"),
    "reminder": ("STILL FIRING", "TRVÁ"),
    "resolved": ("RESOLVED", "VYŘEŠENO"),
    "test": ("TEST", "TEST"),
}


def _i(lang: str) -> int:
    return 1 if lang == "cs" else 0


def duration(seconds: float | None, lang: str = "en") -> str:
    if seconds is None:
        return "?"
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    days = seconds / 86400
    return f"{days:.0f} {'dní' if lang == 'cs' else 'days'}"


def _pct(value: float, threshold: float | None = None) -> str:
    # A share just across the threshold must not print as the threshold itself.
    whole = f"{value:.0f}"
    if threshold is not None and value != threshold and whole == f"{threshold:.0f}":
        return f"{value:.1f}"
    return whole


def describe(obs: Observation, lang: str) -> str:
    """What is wrong, with the figures: 'Delivered 71 % of 240 messages in the last 30 min …'."""
    f: dict[str, Any] = obs.figures
    cs = lang == "cs"
    if obs.rule in ("delivery_rate", "api_errors"):
        pct, limit = _pct(f["pct"], f["threshold"]), _pct(f["threshold"])
    if obs.rule == "delivery_rate":
        window = duration(f["window"], lang)
        if cs:
            return f"Doručeno {pct} % z {f['n']} zpráv za posledních {window} (práh {limit} %)"
        return f"Delivered {pct} % of {f['n']} messages in the last {window} (threshold {limit} %)"
    if obs.rule == "stuck":
        age, oldest = duration(f["age"], lang), duration(f["oldest"], lang)
        if f.get("late"):
            return _late(f, age, oldest, cs)
        if cs:
            return (
                f"{f['count']} zpráv bez konečného stavu déle než {age} "
                f"(práh {f['threshold']:g}); nejstarší {oldest}"
            )
        return (
            f"{f['count']} messages not final for more than {age} "
            f"(threshold {f['threshold']:g}); the oldest for {oldest}"
        )
    if obs.rule == "api_errors":
        window = duration(f["window"], lang)
        if cs:
            return (
                f"Selhalo {f['failed']} z {f['calls']} volání API za posledních {window} "
                f"({pct} %, práh {limit} %): {f['server']} chyb serveru "
                f"(strana brány), {f['client']} chyb klienta (zkontrolujte požadavky)"
            )
        return (
            f"{f['failed']} of {f['calls']} API calls failed in the last {window} "
            f"({pct} %, threshold {limit} %): {f['server']} server "
            f"errors (the gateway's side), {f['client']} client errors (check your requests)"
        )
    if obs.rule == "api_key":
        if cs:
            return (
                "SmsManager odmítl API klíč (chyba 103): sběr stojí. Nastavte platný klíč "
                "v SMSDASH_API_KEY."
            )
        return (
            "SmsManager rejected the API key (error 103): polling has stopped. Set "
            "SMSDASH_API_KEY to a valid key."
        )
    if obs.rule == "credit":
        credit = f"{f['credit']:,.2f} CZK"
        if f.get("low"):
            if cs:
                return f"Kredit {credit} je pod {f['min_credit']:,.2f} CZK"
            return f"Credit {credit} is below {f['min_credit']:,.2f} CZK"
        left = duration((f.get("hours_left") or 0) * 3600, lang)
        runway = duration(f["runway"], lang)
        if cs:
            return f"Kredit {credit} vydrží při nedávné útratě asi {left} (práh {runway})"
        return f"Credit {credit} lasts about {left} at the recent spend rate (threshold {runway})"
    if obs.rule == "collector_stale":
        age, after = duration(f["age"], lang), duration(f["after"], lang)
        if cs:
            return f"Žádné úspěšné volání API už {age} (práh {after})"
        return f"No successful API call for {age} (threshold {after})"
    return obs.rule


def _late(f: dict[str, Any], age: str, oldest: str, cs: bool) -> str:
    """The stuck rule counting messages late for their kind (LATE_DAYS of history)."""
    if cs:
        return (
            f"{f['count']} zpráv bez konečného stavu déle, než jejich druh (brána a odesílatel) "
            f"obvykle potřebuje: p95 za posledních {LATE_DAYS} dní, u druhů s málo zprávami "
            f"{age} (práh {f['threshold']:g}); nejstarší {oldest}"
        )
    return (
        f"{f['count']} messages not final for longer than their kind (gateway and sender) "
        f"usually takes: the p95 of the last {LATE_DAYS} days, {age} for kinds with few "
        f"messages (threshold {f['threshold']:g}); the oldest for {oldest}"
    )


def title(kind: str, rule: str, key: str, lang: str) -> str:
    name = NAMES.get(rule, (rule, rule))[_i(lang)]
    scope = f" ({key})" if key else ""
    return f"[smsdash] {KINDS[kind][_i(lang)]}: {name}{scope}"


def body(kind: str, text: str, lang: str, link: str | None, lasted: float | None = None) -> str:
    lines = [text]
    if kind == "resolved":
        lines = [
            (f"Vyřešeno po {duration(lasted, lang)}." if lang == "cs" else
             f"Resolved after {duration(lasted, lang)}."),
            ("Naposledy: " if lang == "cs" else "Last seen: ") + text,
        ]  # fmt: skip
    if link:
        lines.append(link)
    return "\n".join(lines)


PAGES = {
    "delivery_rate": "overview",
    "stuck": "backlog",
    "api_errors": "errors",
    "api_key": "health",
    "credit": "health",
    "collector_stale": "health",
}


def link(base: str | None, rule: str, key: str, split_by: str | None, lang: str) -> str | None:
    """The dashboard page of the rule, over the last 24 hours, filtered to the instance."""
    if not base:
        return None
    params = {"range": "24h", "lang": lang}
    if key and split_by:
        params[split_by] = key
    return f"{base.rstrip('/')}/{PAGES.get(rule, 'alerts')}?{urlencode(params)}"
