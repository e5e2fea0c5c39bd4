"""Keep the API key out of every URL, log line, exception and stored detail."""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote, quote_plus

_KEY_PARAM = re.compile(r"(?i)((?:apikey|password)=)[^&\s#\"']*")
MASK = "***"
# A secret this short is masked only after "apikey=": replacing every "k" in every log
# line would garble everything and protect nothing (such a key is guessed in seconds).
MIN_SECRET = 6
_SECRETS: set[str] = set()


def _forms(secret: str) -> set[str]:
    # A key in a URL is percent-encoded; each spelling of it must be masked.
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)} - {""}


def redact(text: str, secret: str | None = None) -> str:
    """Mask ``apikey=...`` values and every spelling of the secret (and of installed ones)."""
    cleaned = _KEY_PARAM.sub(r"\1" + MASK, text)
    mine = {secret} if secret and len(secret) >= MIN_SECRET else set()
    for known in sorted(_SECRETS | mine, key=len, reverse=True):
        for form in sorted(_forms(known), key=len, reverse=True):
            cleaned = cleaned.replace(form, MASK)
    return cleaned


def printable(text: str) -> str:
    """Control and bidi characters shown as escapes: stored text never carries NUL or overrides."""
    return "".join(
        c if c == " " or unicodedata.category(c)[0] not in "CZ" else repr(c)[1:-1] for c in text
    )


def excerpt(body: bytes, secret: str | None = None, limit: int = 120) -> str:
    text = printable(body[: limit * 4].decode("utf-8", "replace"))
    text = redact(text, secret)
    return text if len(text) <= limit else text[:limit] + "…"


def install_log_redaction(secret: str) -> None:
    """Every log record of this process, whoever emits it (urllib3 too), is redacted."""
    if len(secret) < MIN_SECRET:
        return
    if not _SECRETS:
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            return record

        logging.setLogRecordFactory(factory)
    _SECRETS.add(secret)
