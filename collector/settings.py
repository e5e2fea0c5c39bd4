"""Settings read once at start-up from SMSDASH_* variables and flags, validated."""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from collector.client import DEFAULT_API_URL, DEFAULT_MAX_ANSWER
from collector.errors import ConfigError
from collector.metrics_http import parse_metrics_addr
from db.engine import DEFAULT_DATABASE_URL, DatabaseUrlError, database_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


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
    max_answer_bytes: int = DEFAULT_MAX_ANSWER
    allow_http: bool = False
    write_batch: int = 500
    write_interval: float = 1.0
    accounts_file: str | None = None
    key_source: str = "SMSDASH_API_KEY"  # named when the gateway rejects the key
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


def parse_size(name: str, raw: str) -> int:
    match = _SIZE.match(raw)
    if not match:
        raise ConfigError(f"{name}={raw!r} is not a size (examples: 1048576, 512k, 32M)")
    size = int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    if not 1024 <= size <= 1024**3:
        raise ConfigError(f"{name} must be between 1k and 1G")
    return size


def parse_flag(name: str, raw: str) -> bool:
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (1, 0, true, false)")


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str, allow_http: bool) -> str:
    match = re.match(r"^(https?)://(\[[^\]/]*\]|[^/:\s?#]+)(:\d{1,5})?(/[^\s?#]*)?$", url)
    if not match:
        raise ConfigError(f"SMSDASH_API_URL={url!r} is not an http(s) URL (https://host/path/)")
    if match.group(1) == "http" and not allow_http and not is_loopback(match.group(2)):
        raise ConfigError(
            "SMSDASH_API_URL uses plain http:// to another host: the API key would cross the "
            "network unencrypted. Use https://, or set SMSDASH_ALLOW_HTTP=1 if you must"
        )
    return url


def _positive(name: str, raw: str, kind: type[float] | type[int]) -> float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than zero")
    return value


def check_metrics_addr(raw: str, allow_remote: bool) -> tuple[str, int]:
    host, port = parse_metrics_addr(raw)
    if not allow_remote and not is_loopback(host):
        raise ConfigError(
            f"SMSDASH_METRICS_ADDR={raw!r} is not a loopback address: /metrics has no "
            "authentication, so it listens on 127.0.0.1 or ::1 unless "
            "SMSDASH_METRICS_ALLOW_REMOTE=true (or --metrics-allow-remote) says otherwise"
        )
    return host, port


def storable(name: str) -> bool:
    """Whether every database stores ``name`` as it is: no control, format or undecodable
    character (a NUL is refused by PostgreSQL at every write, so the collector would retry
    forever; undecodable bytes from the environment arrive as surrogates no database encodes)."""
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name)


def account_name(name: str) -> str:
    """The account's name as every row stores it: printable text of at most 64 characters."""
    if len(name) > 64:
        raise ConfigError("SMSDASH_ACCOUNT is longer than 64 characters")
    if not storable(name):
        raise ConfigError(
            f"SMSDASH_ACCOUNT {name!a} holds a control, format or undecodable character"
        )
    return name


def load(
    overrides: Mapping[str, str | None] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Flags (``overrides``, keyed by setting name) win over ``SMSDASH_*`` variables."""
    env = os.environ if environ is None else environ
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}

    def get(name: str) -> str | None:
        return flags.get(name) or env.get(f"SMSDASH_{name.upper()}") or None

    values: dict[str, object] = {"api_key": get("api_key"), "accounts_file": get("accounts_file")}
    if (raw := get("allow_http")) is not None:
        values["allow_http"] = parse_flag("SMSDASH_ALLOW_HTTP", raw)
    if url := get("api_url"):
        values["api_url"] = check_api_url(url, bool(values.get("allow_http")))
    if (raw := get("max_answer_bytes")) is not None:
        values["max_answer_bytes"] = parse_size("SMSDASH_MAX_ANSWER_BYTES", raw)
    if db := get("database_url"):
        try:
            database_url(db)
        except DatabaseUrlError as exc:
            raise ConfigError(str(exc)) from None
        values["database_url"] = db
    if account := get("account"):
        values["account"] = account_name(account)
    for name, kind in (
        ("poll_interval", float),
        ("poll_concurrency", int),
        ("read_timeout", float),
        ("credit_interval", float),
        ("auth_retry", float),
        ("write_batch", int),
        ("write_interval", float),
    ):
        if (raw := get(name)) is not None:
            values[name] = _positive(f"SMSDASH_{name.upper()}", raw, kind)
    if raw := get("metrics_addr"):
        allow = parse_flag("SMSDASH_METRICS_ALLOW_REMOTE", get("metrics_allow_remote") or "no")
        values["metrics_addr"] = check_metrics_addr(raw, allow)
    if (raw := get("give_up_after")) is not None:
        values["give_up_after"] = parse_duration("SMSDASH_GIVE_UP_AFTER", raw)
    if int(values.get("poll_concurrency", 4)) > 64:  # type: ignore[call-overload]
        raise ConfigError("SMSDASH_POLL_CONCURRENCY must be at most 64")
    return Settings(**values)  # type: ignore[arg-type]
