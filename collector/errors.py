"""One error hierarchy for everything the API or the network can do to a call."""

from __future__ import annotations

from db.codes import is_error_retryable


class SmsDashError(Exception):
    """Base of every error smsdash raises on purpose."""

    retryable: bool = False
    outcome: str = "error"


class ConfigError(SmsDashError):
    """A setting is missing or invalid; the message names it."""


class ApiError(SmsDashError):
    """SmsManager answered with an error status (``ERROR|code`` or a bare 503)."""

    def __init__(self, message: str, *, code: int | None, http_status: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.retryable = is_error_retryable(code, http_status)


class ClientError(ApiError):
    """1xx/2xx: the request itself is wrong; repeating it unchanged cannot help."""

    outcome = "client_error"


class ServerError(ApiError):
    """9xx or 503: the gateway's fault; the same request will probably work later."""

    outcome = "server_error"


class TransportError(SmsDashError):
    """No usable answer: timeout, a failed or dropped connection, a redirect, too large."""

    retryable = True

    def __init__(self, message: str, *, outcome: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome  # timeout | connection | redirect | too_large
        self.http_status = http_status


class ParseError(SmsDashError):
    """The body is not what the method answers; carries a short, redacted excerpt."""

    retryable = True
    outcome = "unparseable"

    def __init__(self, message: str, *, excerpt: str = "", http_status: int | None = None) -> None:
        super().__init__(f"{message}: {excerpt!r}" if excerpt else message)
        self.excerpt = excerpt
        self.http_status = http_status


class DatabaseError(SmsDashError):
    """The database cannot be used; the message names it and the likely cause."""


class AlreadyRunning(SmsDashError):
    """Another collector already polls this account into this database."""
