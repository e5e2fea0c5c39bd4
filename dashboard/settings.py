"""The dashboard's own settings, read once from SMSDASH_* variables and validated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FullNumbers = Literal["allowed", "never"]
# Deliberately loose: the provider vouches for the address, this only catches typos.
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SettingError(ValueError):
    """A dashboard setting has a value it cannot use; the message names the setting."""


@dataclass(frozen=True)
class DashboardSettings:
    allowed_emails: frozenset[str]
    allowed_domains: frozenset[str]
    full_numbers: FullNumbers | None  # None: the default, which depends on login

    def numbers_allowed(self, login: bool) -> bool:
        """May anyone see full numbers? Off by default once visitors sign in."""
        if self.full_numbers is None:
            return not login
        return self.full_numbers == "allowed"


def _items(raw: str) -> list[str]:
    return [item.strip().lower() for item in raw.split(",") if item.strip()]


def load(environ: Mapping[str, str] | None = None) -> DashboardSettings:
    env = os.environ if environ is None else environ
    emails = _items(env.get("SMSDASH_ALLOWED_EMAILS", ""))
    bad = [e for e in emails if not EMAIL.match(e)]
    if bad:
        raise SettingError(f"SMSDASH_ALLOWED_EMAILS: not an e-mail address: {bad[0]!r}")
    domains = [d.lstrip("@") for d in _items(env.get("SMSDASH_ALLOWED_DOMAINS", ""))]
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise SettingError(f"SMSDASH_ALLOWED_DOMAINS: not a domain name: {bad[0]!r}")
    numbers = env.get("SMSDASH_FULL_NUMBERS", "").strip().lower() or None
    if numbers not in (None, "allowed", "never"):
        raise SettingError("SMSDASH_FULL_NUMBERS: use 'allowed' or 'never'")
    return DashboardSettings(frozenset(emails), frozenset(domains), numbers)  # type: ignore[arg-type]
