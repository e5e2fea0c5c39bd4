"""The body each simulated method answers with (errors are raised as SimError)."""

from __future__ import annotations

from collector.simulator.gateway import Gateway, prague_text
from collector.simulator.wire import Params
from collector.simulator.xmlapi import send_xml

# (body, content type, fault label or None)
Answer = tuple[str, str, str | None]


def api_key(gateway: Gateway, p: Params) -> str | None:
    """The account's key: ``apikey``, or ``username`` + SHA-1 hex of ``password``."""
    key = p.get("apikey")
    if key is None:
        return gateway.login(p.get("username"), p.get("password"))
    return key


def _utf(p: Params) -> bool:
    return (p.get("type") or "").lower() == "utf"


def answer(gateway: Gateway, name: str, p: Params) -> Answer:
    if name == "XmlSend":
        return send_xml(gateway, p.get("XMLDATA")), "text/xml", None
    key = api_key(gateway, p)
    if name == "Send":
        r = gateway.send(
            key,
            p.get("number"),
            p.get("message"),
            gateway=p.get("gateway"),
            sender=p.get("sender"),
            custom_id=p.get("customid"),
            send_time=p.get("time"),
            expiration=p.get("expiration"),
            utf=_utf(p),
        )
        tail = f"|{r.custom_id}" if r.custom_id else ""
        return f"OK|{r.request_id}|{','.join(r.numbers)}{tail}", "text/plain", None
    if name == "LtsSend":
        # ``callback`` is accepted: the simulator has no webhooks to call it with.
        results = gateway.send_each(
            key,
            p.get("number", "to"),
            p.get("message", "body"),
            gateway=p.get("gateway"),
            sender=p.get("sender"),
            send_time=p.get("time"),
            utf=_utf(p),
        )
        lines = (f"OK|{r.request_id}|{r.numbers[0]}\n" for r in results)
        return "".join(lines), "text/plain", None
    if name == "GetUserInfo":
        acc = gateway.account(key)
        return f"{acc.credit:.2f}|{acc.default_sender}|{acc.default_gateway}\n", "text/plain", None
    if name == "GetPrice":
        numbers, parts, chars, unit = gateway.price(
            key, p.get("number"), p.get("message"), p.get("gateway"), p.get("sender"), _utf(p)
        )
        per_msg = unit * parts
        total = per_msg * len(numbers)
        return f"{len(numbers)}|{parts}|{chars}|{per_msg:.2f}|{total:.2f}", "text/plain", None
    if name == "Cancel":
        return f"OK|{gateway.cancel(key, p.get('requestID'))}", "text/plain", None
    if name == "RequestList":
        return _request_list(gateway, key), "text/plain", None
    return _request_status(gateway, key, p)


def _request_list(gateway: Gateway, key: str | None) -> str:
    faults, rng = gateway.faults_for(key), gateway.fault_rng
    unknown = "RequestList" in faults.methods and faults.unknown_codes > 0
    lines = []
    for req, remaining, state in gateway.request_list(key):
        if unknown and rng.random() < faults.unknown_codes:
            state = 8
        lines.append(
            f"{req.request_id}|{req.gateway}|{prague_text(req.created_at)}|"
            f"{prague_text(req.expires_at)}|{req.sender}|{remaining}|{state}\n"
        )
    return "".join(lines)


def _request_status(gateway: Gateway, key: str | None, p: Params) -> Answer:
    faults, rng = gateway.faults_for(key), gateway.fault_rng
    request_id = p.get("requestID")
    if request_id is None and p.strict:
        # A client that spelled it ``requestid`` saw "always returns empty page" (spec §6).
        gateway.account(key)
        return "", "text/plain", "no-requestID"
    rows = gateway.request_status(key, request_id)
    faulted = "RequestStatus" in faults.methods
    if faulted and rng.random() < faults.empty_status:
        return "", "text/plain", "empty"
    unknown = faulted and faults.unknown_codes > 0
    lines = []
    for number, state, expected, receipt in rows:
        if unknown and rng.random() < faults.unknown_codes:
            state, receipt = (8, receipt) if rng.random() < 0.5 else (state, 9)
        lines.append(f"{number}|{state}|{expected}|{receipt}\n")
    return "".join(lines), "text/plain", None
