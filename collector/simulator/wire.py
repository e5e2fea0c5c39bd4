"""How the simulator reads a call: which method, which HTTP verbs, and the parameters by name."""

from __future__ import annotations

from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

# URL path (any case) -> method. The root path is the LTS API's ``Send``.
METHODS = {
    "": "LtsSend",
    "send": "Send",
    "requestlist": "RequestList",
    "requeststatus": "RequestStatus",
    "getuserinfo": "GetUserInfo",
    "getprice": "GetPrice",
    "cancel": "Cancel",
    "xml/send": "XmlSend",
}
# In strict mode the verbs each method is known to be called with (spec §1, §6); the read
# methods read their query string only, so a POST to them is refused with 405.
STRICT_VERBS = {
    "LtsSend": frozenset({"GET", "POST"}),
    "Send": frozenset({"GET", "POST"}),
    "GetUserInfo": frozenset({"GET", "POST"}),
    "Cancel": frozenset({"GET", "POST"}),
    "RequestList": frozenset({"GET"}),
    "RequestStatus": frozenset({"GET"}),
    "GetPrice": frozenset({"GET"}),
    "XmlSend": frozenset({"POST"}),
}
MAX_BODY = 1 << 20  # bytes; a form (even with an XML document) is far smaller


class BadRequest(Exception):
    """The HTTP request itself is unusable (length, encoding); answered with ``status``."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class Params:
    """Parameters looked up by the spec's spelling: exactly (strict) or in any case (lenient)."""

    def __init__(self, pairs: Iterable[tuple[str, str]], *, strict: bool) -> None:
        self.strict = strict
        # A repeated name: the last one wins, as with most web frameworks.
        self._values = {(k if strict else k.lower()): v for k, v in pairs}

    def get(self, name: str, alias: str | None = None) -> str | None:
        for key in (name, alias):
            if key is not None:
                value = self._values.get(key if self.strict else key.lower())
                if value is not None:
                    return value
        return None


def content_length(header: str | None) -> int:
    """The body length a client announced, refused when absurd."""
    if header is None or not header.strip():
        return 0
    try:
        length = int(header.strip())
    except ValueError:
        raise BadRequest(400, "bad Content-Length") from None
    if length < 0:
        raise BadRequest(400, "bad Content-Length")
    if length > MAX_BODY:
        raise BadRequest(413, "request body too large")
    return length


def form_fields(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """Fields of a urlencoded or ``multipart/form-data`` body (XMLDATA arrives as either)."""
    if not body:
        return []
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype != "multipart/form-data":
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise BadRequest(400, "malformed multipart body")
    fields = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        charset = part.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, "replace")
        except LookupError:
            text = data.decode("utf-8", "replace")
        fields.append((name, text))
    return fields
