"""The strict simulator: only the spellings and verbs published clients are known to use work."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import requests

from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account

KEY = "strict-key"
NUMBER = "420777111220"


@pytest.fixture
def gateway() -> Gateway:
    return Gateway([Account(KEY, credit=100.0)], scale=200, strict=True)


@pytest.fixture
def url(gateway: Gateway) -> Iterator[str]:
    with SimulatorServer(gateway) as server:
        yield server.url


def get(url: str, method: str, **params: str) -> requests.Response:
    return requests.get(url + method, params=params, timeout=5)


def post(url: str, method: str, **params: str) -> requests.Response:
    return requests.post(url + method, data=params, timeout=5)


def sent(gateway: Gateway) -> str:
    return gateway.send(KEY, NUMBER, "x").request_id


def test_the_strict_flag_of_the_gateway_is_the_servers_default(gateway: Gateway) -> None:
    with SimulatorServer(gateway) as strict, SimulatorServer(gateway, strict=False) as lenient:
        assert (strict.strict, lenient.strict) == (True, False)
        assert get(lenient.url, "RequestList", APIKEY=KEY).status_code == 200
        assert get(strict.url, "RequestList", APIKEY=KEY).status_code == 401


def test_request_status_by_get_with_request_id_spelled_requestID_answers(
    url: str, gateway: Gateway
) -> None:
    rid = sent(gateway)
    answer = get(url, "RequestStatus", apikey=KEY, requestID=rid)
    assert answer.status_code == 200
    assert answer.text.startswith(f"{NUMBER}|") and answer.text.endswith("\n")


@pytest.mark.parametrize("spelling", ["requestid", "RequestID", "requestId", "REQUESTID"])
def test_request_status_with_another_spelling_answers_an_empty_page(
    url: str, gateway: Gateway, spelling: str
) -> None:
    rid = sent(gateway)
    answer = get(url, "RequestStatus", apikey=KEY, **{spelling: rid})
    assert (answer.status_code, answer.content) == (200, b"")
    assert gateway.calls[-1].fault == "no-requestID"


def test_an_empty_page_still_needs_a_valid_key(url: str, gateway: Gateway) -> None:
    answer = get(url, "RequestStatus", apikey="wrong", requestid=sent(gateway))
    assert (answer.status_code, answer.text) == (401, "ERROR|103")


@pytest.mark.parametrize("method", ["RequestList", "RequestStatus", "GetPrice"])
def test_a_read_method_posted_is_refused_with_405(url: str, gateway: Gateway, method: str) -> None:
    params = {"apikey": KEY, "requestID": sent(gateway), "number": NUMBER, "message": "x"}
    answer = post(url, method, **params)
    assert answer.status_code == 405
    assert get(url, method, **params).status_code == 200


def test_a_read_method_posted_with_its_parameters_in_the_url_is_refused_too(
    url: str, gateway: Gateway
) -> None:
    answer = requests.post(
        url + "RequestStatus", params={"apikey": KEY, "requestID": sent(gateway)}, timeout=5
    )
    assert answer.status_code == 405


def test_send_and_get_user_info_work_by_get_and_by_post(url: str) -> None:
    for call in (get, post):
        assert call(url, "GetUserInfo", apikey=KEY).text.endswith("|SMSMANAGER|high\n")
        assert call(url, "Send", apikey=KEY, number=NUMBER, message="x").text.startswith("OK|")


@pytest.mark.parametrize("spelling", ["ApiKey", "APIKEY", "api_key", "key"])
def test_a_key_under_another_name_is_no_key(url: str, spelling: str) -> None:
    answer = get(url, "GetUserInfo", **{spelling: KEY})
    assert (answer.status_code, answer.text) == (401, "ERROR|103")


def test_send_parameters_in_another_case_are_missing(url: str) -> None:
    answer = get(url, "Send", apikey=KEY, Number=NUMBER, Message="x")
    assert (answer.status_code, answer.text) == (400, "ERROR|109")
    sender = get(url, "Send", apikey=KEY, number=NUMBER, message="x", Sender="Nobody")
    assert sender.status_code == 200  # ``Sender`` is not ``sender``: the default sender is used


def test_the_xml_api_takes_XMLDATA_by_post_only(url: str) -> None:
    document = (
        f"<RequestDocument><RequestHeader><Apikey>{KEY}</Apikey></RequestHeader>"
        "<RequestList><Request><Message>x</Message>"
        f"<NumbersList><Number>{NUMBER}</Number></NumbersList></Request></RequestList>"
        "</RequestDocument>"
    )
    assert 'Type="OK"' in post(url, "xml/Send", XMLDATA=document).text
    assert 'ID="101"' in post(url, "xml/Send", xmldata=document).text
    assert get(url, "xml/Send", XMLDATA=document).status_code == 405


def test_username_and_sha1_password_work_in_strict_mode_as_spelled() -> None:
    account = Account(KEY, username="shop", password="s3cret")
    digest = hashlib.sha1(b"s3cret").hexdigest()
    with SimulatorServer(Gateway([account], strict=True)) as server:
        assert get(server.url, "GetUserInfo", username="shop", password=digest).status_code == 200
        refused = get(server.url, "GetUserInfo", UserName="shop", Password=digest)
        assert refused.status_code == 401
