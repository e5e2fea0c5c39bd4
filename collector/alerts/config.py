"""Alert settings: built-in rule defaults, the TOML file that changes them, the targets."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collector.errors import ConfigError
from collector.settings import parse_duration

SPLITS = ("sender", "gateway")
# Only message rules can be split: calls, credit and the key belong to the whole account.
SPLITTABLE = ("delivery_rate", "stuck")
LANGUAGES = ("en", "cs")
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Rule:
    """One rule's settings. ``for_`` waits before firing, ``resolve_after`` before resolving."""

    name: str
    enabled: bool = True
    for_: timedelta = timedelta(0)
    resolve_after: timedelta = timedelta(minutes=5)
    split_by: str | None = None
    window: timedelta | None = None
    threshold: float | None = None  # percent for rates, a count for stuck
    min_count: int | None = None
    age: timedelta | None = None
    runway: timedelta | None = None
    min_credit: float | None = None
    after: timedelta | None = None
    # stuck only: count messages late for their kind (its p95, `age` as the fallback)
    late: bool = False

    def figures(self) -> dict[str, Any]:
        """The thresholds as plain values, for the database and the dashboard."""
        out: dict[str, Any] = {
            "for": self.for_.total_seconds(),
            "resolve_after": self.resolve_after.total_seconds(),
        }
        for name in ("window", "age", "runway", "after"):
            if (value := getattr(self, name)) is not None:
                out[name] = value.total_seconds()
        for name in ("threshold", "min_count", "min_credit", "split_by"):
            if (value := getattr(self, name)) is not None:
                out[name] = value
        if self.late:
            out["late"] = True
        return out


DEFAULT_RULES: dict[str, Rule] = {
    "delivery_rate": Rule(
        "delivery_rate", for_=timedelta(minutes=5), window=timedelta(minutes=30), threshold=90.0,
        min_count=20,
    ),
    "stuck": Rule(
        "stuck", for_=timedelta(minutes=5), age=timedelta(minutes=30), threshold=10,
    ),
    "api_errors": Rule(
        "api_errors", for_=timedelta(minutes=5), window=timedelta(minutes=15), threshold=20.0,
        min_count=20,
    ),
    "api_key": Rule("api_key", resolve_after=timedelta(0)),
    "credit": Rule(
        "credit", runway=timedelta(days=3), min_credit=None, resolve_after=timedelta(minutes=30),
        window=timedelta(hours=24),
    ),
    "collector_stale": Rule(
        "collector_stale", after=timedelta(minutes=5), resolve_after=timedelta(0),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: ZoneInfo

    def covers(self, hour_minute: time) -> bool:
        if self.start <= self.end:
            return self.start <= hour_minute < self.end
        return hour_minute >= self.start or hour_minute < self.end  # across midnight


@dataclass(frozen=True)
class AlertSettings:
    rules: dict[str, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    reminder: timedelta | None = timedelta(hours=24)
    quiet: QuietHours | None = None
    language: str = "en"
    notify: tuple[str, ...] = ()
    dashboard_url: str | None = None
    heartbeat_url: str | None = None
    heartbeat_timeout: float = 10.0

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.enabled]


def _duration(where: str, raw: Any) -> timedelta:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ConfigError(f"{where} must be a duration such as 90, 30m, 72h, 3d")
    if raw.strip() in ("0", "0s", "0m"):
        return timedelta(0)
    return parse_duration(where, raw)


def _number(where: str, raw: Any, *, integer: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        raise ConfigError(f"{where} must be a number ≥ 0")
    if integer and int(raw) != raw:
        raise ConfigError(f"{where} must be a whole number")
    return int(raw) if integer else float(raw)


_FIELDS = {
    "enabled": "bool",
    "for": "duration",
    "resolve_after": "duration",
    "split_by": "split",
    "window": "duration",
    "threshold": "number",
    "min_count": "count",
    "age": "duration",
    "runway": "duration",
    "min_credit": "number",
    "after": "duration",
    "late": "bool",
}


def _rule(name: str, base: Rule, table: Any, where: str) -> Rule:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [rules.{name}] must be a table")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        kind = _FIELDS.get(key)
        at = f"{where}: rules.{name}.{key}"
        if kind is None:
            raise ConfigError(f"{at} is not a setting (known: {', '.join(_FIELDS)})")
        if kind == "bool":
            if not isinstance(raw, bool):
                raise ConfigError(f"{at} must be true or false")
            if key == "late" and name != "stuck":
                raise ConfigError(f"{at}: only stuck can count late messages")
            value: Any = raw
        elif kind == "duration":
            value = _duration(at, raw)
        elif kind == "split":
            if raw not in (*SPLITS, "none", ""):
                raise ConfigError(f"{at} must be one of sender, gateway, none")
            if name not in SPLITTABLE and raw not in ("none", ""):
                raise ConfigError(f"{at}: only {' and '.join(SPLITTABLE)} can be split")
            value = raw if raw in SPLITS else None
        else:
            value = _number(at, raw, integer=kind == "count")
        changes["for_" if key == "for" else key] = value
    rule = replace(base, **changes)
    if name == "credit" and not rule.runway and rule.min_credit is None:
        raise ConfigError(f"{where}: rules.credit needs runway or min_credit")
    return rule


def _clock(where: str, raw: Any) -> time:
    if not isinstance(raw, str) or not re.fullmatch(r"\d{1,2}:\d{2}", raw.strip()):
        raise ConfigError(f"{where} must be a time of day such as 22:00")
    hour, minute = map(int, raw.strip().split(":"))
    if hour > 23 or minute > 59:
        raise ConfigError(f"{where}={raw!r} is not a time of day")
    return time(hour, minute)


def parse_file(text: str, where: str, base: AlertSettings | None = None) -> AlertSettings:
    """The TOML text over the defaults; every mistake names the file and the setting."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from None
    settings = base or AlertSettings()
    unknown = set(doc) - {"rules", "quiet_hours", "reminder", "language"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    rules = dict(settings.rules)
    rule_tables = doc.get("rules", {})
    if not isinstance(rule_tables, dict):
        raise ConfigError(f"{where}: [rules] must be a table")
    for name, table in rule_tables.items():
        if name not in rules:
            raise ConfigError(f"{where}: unknown rule {name!r} (known: {', '.join(rules)})")
        rules[name] = _rule(name, rules[name], table, where)
    changes: dict[str, Any] = {"rules": rules}
    if "reminder" in doc:
        raw = doc["reminder"]
        changes["reminder"] = (
            None if raw in ("off", "0", 0) else _duration(f"{where}: reminder", raw)
        )
    if "language" in doc:
        if doc["language"] not in LANGUAGES:
            raise ConfigError(f"{where}: language must be en or cs")
        changes["language"] = doc["language"]
    if "quiet_hours" in doc:
        quiet = doc["quiet_hours"]
        if not isinstance(quiet, dict) or not {"start", "end"} <= set(quiet):
            raise ConfigError(f"{where}: [quiet_hours] needs start and end (e.g. 22:00, 07:00)")
        try:
            tz = ZoneInfo(str(quiet.get("timezone", "Europe/Prague")))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}: quiet_hours.timezone is not a time zone") from None
        start = _clock(f"{where}: quiet_hours.start", quiet["start"])
        end = _clock(f"{where}: quiet_hours.end", quiet["end"])
        changes["quiet"] = QuietHours(start, end, tz) if start != end else None
    return replace(settings, **changes)


def _http_url(name: str, raw: str | None) -> str | None:
    if not raw:
        return None
    if not re.match(r"^https?://[^/\s]+", raw):
        raise ConfigError(f"{name} is not an http(s) URL")
    return raw


def load(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """Read SMSDASH_ALERTS_FILE, SMSDASH_NOTIFY, SMSDASH_DASHBOARD_URL, SMSDASH_HEARTBEAT_URL."""
    env = os.environ if environ is None else environ
    settings = AlertSettings()
    if path := env.get("SMSDASH_ALERTS_FILE"):
        file = Path(path)
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ConfigError(f"SMSDASH_ALERTS_FILE {path} is larger than 256 KiB")
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"SMSDASH_ALERTS_FILE {path} cannot be read: {exc}") from None
        settings = parse_file(text, f"SMSDASH_ALERTS_FILE {path}", settings)
    changes: dict[str, Any] = {}
    if lang := env.get("SMSDASH_LANGUAGE"):
        if lang not in LANGUAGES:
            raise ConfigError("SMSDASH_LANGUAGE must be en or cs")
        changes["language"] = lang
    if raw := env.get("SMSDASH_NOTIFY"):
        # Apprise's own convention: several URLs separated by commas or whitespace.
        changes["notify"] = tuple(u for u in re.split(r"[\s,]+", raw) if u)
    changes["dashboard_url"] = _http_url("SMSDASH_DASHBOARD_URL", env.get("SMSDASH_DASHBOARD_URL"))
    changes["heartbeat_url"] = _http_url("SMSDASH_HEARTBEAT_URL", env.get("SMSDASH_HEARTBEAT_URL"))
    return replace(settings, **changes)
