"""Keep the API key out of every URL, log line, exception and stored detail."""

from __future__ import annotations

import re

_KEY_PARAM = re.compile(r"(?i)(apikey=)[^&\s#\"']*")
MASK = "***"


def redact(text: str, secret: str | None = None) -> str:
    """Mask ``apikey=...`` query values and, when given, every occurrence of the secret."""
    cleaned = _KEY_PARAM.sub(r"\1" + MASK, text)
    if secret:
        cleaned = cleaned.replace(secret, MASK)
    return cleaned


def excerpt(body: bytes, secret: str | None = None, limit: int = 120) -> str:
    text = body[: limit * 4].decode("utf-8", "replace")
    text = redact(text, secret)
    return text if len(text) <= limit else text[:limit] + "…"
