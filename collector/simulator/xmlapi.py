"""The XML API's ``Send``: XMLDATA in, ``<Result>`` out, parsed with defusedxml."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from collector.simulator.gateway import Gateway, SimError
from db.codes import ERRORS

HEADER = '<Result><ResultHeader><Interface Version="1.0"/></ResultHeader>'


def error_document(code: int) -> str:
    text = ERRORS[code].meaning_en if code in ERRORS else "system error"
    return f'{HEADER}<Response Type="ERROR" ID="{code}">{escape(text)}</Response></Result>'


def send_xml(gateway: Gateway, xmldata: str | None) -> str:
    """Answer one XML ``Send``; raises SimError with the XML API's codes (101, 102, ...)."""
    if xmldata is None or not xmldata.strip():
        raise SimError(101)
    try:
        root: Element = fromstring(xmldata, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise SimError(102) from None
    api_key = root.findtext("RequestHeader/Apikey")
    gateway.account(api_key)
    requests = root.findall("RequestList/Request")
    if root.tag != "RequestDocument" or not requests:
        raise SimError(102)
    answers = []
    for req in requests:
        numbers = [n.text or "" for n in req.findall("NumbersList/Number")]
        result = gateway.send(
            api_key,
            ";".join(numbers) if numbers else None,
            req.findtext("Message"),
            gateway=req.get("Type"),
            sender=req.get("Sender"),
            custom_id=req.get("CustomID"),
            send_time=req.get("Time"),
            expiration=req.get("Expiration"),
            utf=True,
        )
        listed = "".join(f"<Number>{n}</Number>" for n in result.numbers)
        custom = f"<CustomID>{escape(result.custom_id)}</CustomID>" if result.custom_id else ""
        answers.append(
            f"<ResponseRequest SmsCount={quoteattr(str(result.parts * len(result.numbers)))} "
            f"SmsPrice={quoteattr(f'{result.price:.2f}')}>"
            f"<RequestID>{result.request_id}</RequestID>{custom}"
            f"<ResponseNumbersList>{listed}</ResponseNumbersList></ResponseRequest>"
        )
    return (
        f'{HEADER}<Response Type="OK" ID="0"/>'
        f"<ResponseRequestList>{''.join(answers)}</ResponseRequestList></Result>"
    )
