"""The accounts file: several SmsManager accounts polled by one process, each with its own key."""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from collector.errors import ConfigError
from collector.settings import Settings, load, storable

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 1024 * 1024
MAX_ACCOUNTS = 500
MAX_KEY_BYTES = 4096
# Settings an account may set for itself; the database is shared, so it is not among them.
PER_ACCOUNT = (
    "api_url",
    "allow_http",
    "poll_interval",
    "poll_concurrency",
    "give_up_after",
    "read_timeout",
    "max_answer_bytes",
    "credit_interval",
    "auth_retry",
    "write_batch",
    "write_interval",
)
FIELDS = {"name", "key_env", "key_file", *PER_ACCOUNT}


def load_accounts(
    path: str,
    flags: Mapping[str, str | None],
    environ: Mapping[str, str] | None = None,
) -> list[Settings]:
    """One Settings per ``[[account]]`` entry: the entry's own values win over flags and
    ``SMSDASH_*`` variables, which are every account's defaults."""
    env = os.environ if environ is None else environ
    where = f"SMSDASH_ACCOUNTS_FILE={path}"
    entries = _entries(path, where)
    found: list[Settings] = []
    names: set[str] = set()
    for index, entry in enumerate(entries, 1):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise ConfigError(f"{where}: account {index} needs a name of 1 to 64 characters")
        if not storable(name):
            raise ConfigError(
                f"{where}: account {index}'s name {name!a} holds a control, format or "
                "undecodable character"
            )
        if name in names:
            raise ConfigError(f"{where}: the account name {name!r} is used twice")
        names.add(name)
        label = f"{where}: account {name!r}"
        if unknown := sorted(set(entry) - FIELDS - {"key"}):
            raise ConfigError(f"{label}: unknown field {unknown[0]!r} (known: {sorted(FIELDS)})")
        key, source = _key(entry, label, env)
        try:
            own = {k: _text(entry[k]) for k in PER_ACCOUNT if k in entry}
            settings = load({**flags, **own, "api_key": key, "account": name}, env)
        except ConfigError as err:
            raise ConfigError(f"{label}: {err}") from None
        found.append(replace(settings, key_source=source))
    return found


def _entries(path: str, where: str) -> list[dict[str, Any]]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{where}: cannot read it ({err.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{where}: larger than 1 MiB; is it the right file?")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{where}: not valid TOML ({err})") from None
    if unknown := sorted(set(data) - {"account"}):
        raise ConfigError(f"{where}: unknown table {unknown[0]!r} (use [[account]] entries)")
    entries = data.get("account")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: no [[account]] entries")
    if len(entries) > MAX_ACCOUNTS:
        raise ConfigError(f"{where}: more than {MAX_ACCOUNTS} accounts")
    if not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}: every account is a [[account]] table")
    return entries


def _key(entry: Mapping[str, Any], label: str, env: Mapping[str, str]) -> tuple[str, str]:
    """The key and where it came from (named in messages; the key itself never is)."""
    if "key" in entry:
        raise ConfigError(
            f"{label}: the API key is written in the file; put it in an environment variable "
            "(key_env) or a file of its own (key_file) instead"
        )
    if ("key_env" in entry) == ("key_file" in entry):
        raise ConfigError(f"{label}: give exactly one of key_env or key_file")
    if "key_env" in entry:
        var = str(entry["key_env"])
        key = env.get(var, "").strip()
        if not key:
            raise ConfigError(f"{label}: the environment variable {var} (key_env) is not set")
        return key, f"the variable {var}"
    file = Path(str(entry["key_file"]))
    try:
        mode = file.stat().st_mode
        with open(file, "rb") as handle:
            raw = handle.read(MAX_KEY_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{label}: cannot read key_file {file} ({err.strerror})") from None
    if len(raw) > MAX_KEY_BYTES:
        raise ConfigError(f"{label}: key_file {file} is too large to hold an API key")
    key = raw.decode("utf-8", "replace").strip()
    if not key or any(c.isspace() for c in key):
        raise ConfigError(f"{label}: key_file {file} does not hold one API key")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "%s: key_file %s can be read by other users; chmod 600 it", label, file.as_posix()
        )
    return key, f"the file {file}"


def _text(value: Any) -> str:
    """TOML values as the text a flag would carry (``load`` validates them)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | str):
        return str(value)
    raise ConfigError(f"{value!r} is not a number, text or true/false")
