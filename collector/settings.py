"""Settings read once at start-up from SMSDASH_* variables and flags, validated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from collector.client import DEFAULT_API_URL
from collector.errors import ConfigError
from collector.metrics_http import parse_metrics_addr
from db.engine import DEFAULT_DATABASE_URL, DatabaseUrlError, database_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Settings:
    api_key: str | None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    account: str = "default"
    poll_interval: float = 30.0
    poll_concurrency: int = 4
    give_up_after: timedelta = timedelta(hours=72)
    read_timeout: float = 30.0
    credit_interval: float = 300.0
    auth_retry: float = 300.0
    metrics_addr: tuple[str, int] | None = None  # (host, port) of /metrics; None: off

    def require_key(self) -> str:
        if not self.api_key:
            raise ConfigError(
                "SMSDASH_API_KEY is not set: put your SmsManager API key in it (or pass --api-key)"
            )
        return self.api_key


def parse_duration(name: str, raw: str) -> timedelta:
    match = _DURATION.match(raw)
    if not match:
        raise ConfigError(f"{name}={raw!r} is not a duration (examples: 90, 30m, 72h, 3d)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(f"{name} must be longer than zero")
    return timedelta(seconds=seconds)


def _positive(name: str, raw: str, kind: type[float] | type[int]) -> float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than zero")
    return value


def _flag(name: str, raw: str | None) -> bool:
    value = (raw or "false").strip().lower()
    if value not in {"1", "true", "yes", "0", "false", "no"}:
        raise ConfigError(f"{name}={raw!r} is not true or false")
    return value in {"1", "true", "yes"}


def load(
    overrides: Mapping[str, str | None] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Flags (``overrides``, keyed by setting name) win over ``SMSDASH_*`` variables."""
    env = os.environ if environ is None else environ
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}

    def get(name: str) -> str | None:
        return flags.get(name) or env.get(f"SMSDASH_{name.upper()}") or None

    values: dict[str, object] = {"api_key": get("api_key")}
    if url := get("api_url"):
        if not re.match(r"^https?://[^/\s]+", url):
            raise ConfigError(f"SMSDASH_API_URL={url!r} is not an http(s) URL")
        values["api_url"] = url
    if db := get("database_url"):
        try:
            database_url(db)
        except DatabaseUrlError as exc:
            raise ConfigError(str(exc)) from None
        values["database_url"] = db
    if account := get("account"):
        if len(account) > 64:
            raise ConfigError("SMSDASH_ACCOUNT is longer than 64 characters")
        values["account"] = account
    for name, kind in (
        ("poll_interval", float),
        ("poll_concurrency", int),
        ("read_timeout", float),
        ("credit_interval", float),
        ("auth_retry", float),
    ):
        if (raw := get(name)) is not None:
            values[name] = _positive(f"SMSDASH_{name.upper()}", raw, kind)
    if raw := get("metrics_addr"):
        allow = _flag("SMSDASH_METRICS_ALLOW_REMOTE", get("metrics_allow_remote"))
        values["metrics_addr"] = parse_metrics_addr(raw, allow_remote=allow)
    if (raw := get("give_up_after")) is not None:
        values["give_up_after"] = parse_duration("SMSDASH_GIVE_UP_AFTER", raw)
    if int(values.get("poll_concurrency", 4)) > 64:  # type: ignore[call-overload]
        raise ConfigError("SMSDASH_POLL_CONCURRENCY must be at most 64")
    return Settings(**values)  # type: ignore[arg-type]
