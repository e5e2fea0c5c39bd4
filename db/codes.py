"""SmsManager's return codes (request states, receipts, errors): the one table in code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "cs"]


@dataclass(frozen=True, slots=True)
class Code:
    code: int
    name: str | None
    meaning_en: str
    meaning_cs: str
    final: bool = False


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: int
    http_status: int
    meaning_en: str
    meaning_cs: str
    retryable: bool


REQUEST_STATES: dict[int, Code] = {
    c.code: c
    for c in (
        Code(0, None, "request waits to be sent", "Požadavek čeká na odeslání"),
        Code(1, "sending", "request is being sent", "Požadavek se odesílá"),
        Code(2, "sent", "request was sent", "Požadavek byl odeslán", final=True),
        Code(3, None, "request was partially sent", "Požadavek byl částečně odeslán"),
        Code(
            4,
            "invalid",
            "cannot be sent (invalid request data, invalid phone numbers, …)",
            "Neodesílatelný (neplatná data u požadavku, neplatná telefonní čísla apod.)",
            final=True,
        ),
        Code(
            5,
            "failed",
            "cannot be sent now; sending will be retried",
            "Požadavek nelze odeslat, odesílání bude opakováno",
        ),
        Code(
            6,
            None,
            "cancelled by the user",
            "Požadavek na odeslání zrušen uživatelem",
            final=True,
        ),
        Code(
            7,
            "rejected",
            "cancelled by the system (message expired unsent, or repeated sending failed)",
            "Požadavek na odeslání zrušen systémem (vypršela platnost zprávy a zpráva nebyla "
            "odeslána nebo se zprávu nepodařilo opakovaně odeslat)",
            final=True,
        ),
        Code(9, None, "request is being processed", "Požadavek na odeslání je zpracováván"),
    )
}

RECEIPTS: dict[int, Code] = {
    c.code: c
    for c in (
        Code(0, None, "no receipt for the message (yet)", "Ke zprávě není doručenka"),
        Code(1, None, "message is being delivered", "Zpráva se doručuje"),
        Code(2, None, "message delivered", "Zpráva doručena", final=True),
        Code(3, None, "message could not be delivered", "Zprávu se nepodařilo doručit", final=True),
        Code(4, None, "message state is uncertain", "Stav zprávy není jistý"),
        Code(
            5,
            None,
            "message waits for delivery (phone memory full, phone off, …)",
            "Zpráva čeká na doručení (plná paměť telefonu, vypnutý telefon apod.)",
        ),
        Code(
            6,
            None,
            "not delivered before it expired (expired, phone off, number roaming, …)",
            "Zpráva nebyla do vypršení platnosti doručena (zpráva expirovala, vypnutý telefon, "
            "číslo se nacházelo v roamingu apod.)",
            final=True,
        ),
        Code(
            7,
            None,
            "not delivered: invalid phone number",
            "Zpráva nebyla doručena z důvodu neplatného telefonního čísla",
            final=True,
        ),
        Code(
            8,
            None,
            "not delivered; contact SmsManager for details",
            "Zpráva nebyla doručena, kontaktujte nás pro více podrobností",
            final=True,
        ),
    )
}

ERRORS: dict[int, ErrorCode] = {
    e.code: e
    for e in (
        ErrorCode(
            101,
            400,
            "request data missing (no XMLDATA parameter in the XML API)",
            "Neexistující data požadavku (chybí XMLDATA parametr u XML API)",
            False,
        ),
        ErrorCode(
            102,
            400,
            "submitted data are not in the right format",
            "Zaslaná data nejsou ve správném formátu",
            False,
        ),
        ErrorCode(
            103,
            401,
            "invalid user name or password",
            "Neplatné uživatelské jméno nebo heslo",
            False,
        ),
        ErrorCode(104, 400, "invalid gateway parameter", "Neplatný parametr gateway", False),
        ErrorCode(105, 402, "not enough credit (prepaid)", "Nedostatek kreditu pro prepaid", False),
        ErrorCode(
            109,
            400,
            "request lacks some required data",
            "Požadavek neobsahuje všechna vyžadovaná data",
            False,
        ),
        ErrorCode(
            201,
            400,
            "no valid phone numbers in the request",
            "Žádná platná telefonní čísla v požadavku",
            False,
        ),
        ErrorCode(
            202,
            400,
            "message text missing or too long",
            "Text zprávy neexistuje nebo je příliš dlouhý",
            False,
        ),
        ErrorCode(
            203,
            400,
            "invalid sender (set senders up in the web interface first)",
            "Neplatný parametr sender (odesílatele nejprve nastavte ve webovém rozhraní)",
            False,
        ),
    )
}

# 9xx is a family, not a list: any code in this range is a retryable server fault.
SYSTEM_ERROR_RANGE = range(900, 1000)
SYSTEM_ERROR = ErrorCode(
    900, 500, "system error (tell SmsManager support)", "Systémová chyba", True
)
# A 503 carries no SmsManager code; it is stored with error_code NULL and http_status 503.
SERVICE_UNAVAILABLE = ErrorCode(
    0,
    503,
    "request could not be accepted because of a server fault",
    "Požadavek nemohl být přijat z důvodu chyby na serveru",
    True,
)

REQUEST_STATE_FINAL = frozenset(c for c, v in REQUEST_STATES.items() if v.final)
RECEIPT_FINAL = frozenset(c for c, v in RECEIPTS.items() if v.final)
# A message whose request state is one of these will never get a receipt.
REQUEST_STATE_ENDS_MESSAGE = frozenset({4, 6, 7})
RECEIPT_SUCCESS = 2


def is_request_state_final(code: int | None) -> bool:
    return code in REQUEST_STATE_FINAL


def is_receipt_final(code: int | None) -> bool:
    return code in RECEIPT_FINAL


def is_message_final(request_state: int | None, receipt: int | None) -> bool:
    """A number is done when its request can no longer be sent or its receipt is final."""
    return request_state in REQUEST_STATE_ENDS_MESSAGE or receipt in RECEIPT_FINAL


def error_info(code: int) -> ErrorCode | None:
    if code in ERRORS:
        return ERRORS[code]
    if code in SYSTEM_ERROR_RANGE:
        return ErrorCode(code, 500, SYSTEM_ERROR.meaning_en, SYSTEM_ERROR.meaning_cs, True)
    return None


def is_error_retryable(code: int | None, http_status: int | None = None) -> bool:
    """1xx/2xx are the client's fault; 9xx and a bare 503 are worth another try."""
    if code is not None:
        info = error_info(code)
        if info is not None:
            return info.retryable
    return http_status is not None and http_status >= 500


def _unknown(code: int | None, lang: Lang) -> str:
    return f"neznámý ({code})" if lang == "cs" else f"unknown ({code})"


def request_state_label(code: int | None, lang: Lang = "en") -> str:
    entry = REQUEST_STATES.get(code) if code is not None else None
    if entry is None:
        return _unknown(code, lang)
    return entry.meaning_cs if lang == "cs" else entry.meaning_en


def receipt_label(code: int | None, lang: Lang = "en") -> str:
    entry = RECEIPTS.get(code) if code is not None else None
    if entry is None:
        return _unknown(code, lang)
    return entry.meaning_cs if lang == "cs" else entry.meaning_en


def error_label(code: int | None, lang: Lang = "en", http_status: int | None = None) -> str:
    if code is None:
        if http_status == 503:
            return (
                SERVICE_UNAVAILABLE.meaning_cs if lang == "cs" else SERVICE_UNAVAILABLE.meaning_en
            )
        return _unknown(code, lang)
    info = error_info(code)
    if info is None:
        return _unknown(code, lang)
    return info.meaning_cs if lang == "cs" else info.meaning_en


def error_family(code: int | None) -> str:
    """Group label for charts: the exact code, or "9xx" for the system-error family."""
    if code is None:
        return "—"
    return "9xx" if code in SYSTEM_ERROR_RANGE else str(code)
