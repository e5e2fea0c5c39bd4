"""The simulator over real HTTP: answer formats, error codes, state paths, faults, XML."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import PRAGUE, Account, ManualClock, derived_request_state
from collector.simulator.scripts import BY_LAST_DIGIT, NEVER_DELIVERED

KEY = "test-key"


@pytest.fixture
def gateway() -> Gateway:
    return Gateway([Account(KEY, credit=100.0), Account("poor", credit=0.5)], scale=200)


@pytest.fixture
def url(gateway: Gateway) -> Iterator[str]:
    with SimulatorServer(gateway) as server:
        yield server.url


def call(url: str, method: str, post: bool = False, **params: str) -> requests.Response:
    if post:
        return requests.post(url + method, data=params, timeout=5)
    return requests.get(url + method, params=params, timeout=5)


def test_send_answers_ok_with_the_request_id_normalised_numbers_and_custom_id(url: str) -> None:
    answer = call(
        url,
        "Send",
        apikey=KEY,
        number="+420 777-111-220;777111221,12345",
        message="Dobrý den",
        customid="987654321",
    )
    assert answer.status_code == 200
    ok, rid, numbers, custom = answer.text.split("|")
    assert (ok, numbers, custom) == ("OK", "420777111220,420777111221", "987654321")
    assert rid.isdigit()


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"apikey": "wrong", "number": "420777111220", "message": "x"}, 103, 401),
        ({"number": "420777111220", "message": "x"}, 103, 401),
        ({"apikey": KEY, "number": "420777111220", "message": "x", "gateway": "fast"}, 104, 400),
        ({"apikey": KEY, "message": "x"}, 109, 400),
        ({"apikey": KEY, "number": "123;abc", "message": "x"}, 201, 400),
        ({"apikey": KEY, "number": "420777111220", "message": "  "}, 202, 400),
        ({"apikey": KEY, "number": "420777111220", "message": "x" * 1000}, 202, 400),
        ({"apikey": KEY, "number": "420777111220", "message": "x", "sender": "Nobody"}, 203, 400),
        ({"apikey": "poor", "number": "420777111220", "message": "x"}, 105, 402),
        ({"apikey": KEY, "number": "420777111220", "message": "x", "customid": "12ab"}, 102, 400),
    ],
)
def test_send_answers_each_client_error_with_its_http_status(
    url: str, params: dict[str, str], code: int, status: int
) -> None:
    answer = call(url, "Send", **params)
    assert (answer.status_code, answer.content) == (status, f"ERROR|{code}".encode())


def test_request_list_lines_have_seven_fields_in_prague_time(url: str, gateway: Gateway) -> None:
    gateway.clock = ManualClock()  # still queued (state 0) however slow the machine
    call(
        url,
        "Send",
        apikey=KEY,
        number="420777111220",
        message="x",
        sender="MyShop",
        expiration="2030-01-01T12:00:00",
    )
    text = call(url, "RequestList", apikey=KEY).text
    (line,) = text.splitlines()
    rid, gw, created, expires, sender, remaining, state = line.split("|")
    created_utc = gateway.requests[rid].created_at
    assert created == created_utc.astimezone(PRAGUE).strftime("%Y-%m-%d %H:%M:%S")
    assert (gw, expires, sender, remaining) == ("high", "2030-01-01 12:00:00", "MyShop", "1")
    assert text.endswith("\n") and state == "0"


def test_request_status_gives_number_state_expected_and_receipt(url: str, gateway: Gateway) -> None:
    gateway.clock = ManualClock()
    rid = call(url, "Send", apikey=KEY, number="420777111220", message="x").text.split("|")[1]
    answer = call(url, "RequestStatus", post=True, apikey=KEY, requestID=rid)
    assert (answer.status_code, answer.text) == (200, "420777111220|0|1|0\n")
    gateway.clock.advance_to(3)
    assert call(url, "RequestStatus", apikey=KEY, requestid=rid).text == "420777111220|9|1|0\n"


def test_status_of_an_unknown_or_missing_request_is_an_error(url: str) -> None:
    assert call(url, "RequestStatus", apikey=KEY, requestid="1").text == "ERROR|102"
    assert call(url, "RequestStatus", apikey=KEY).text == "ERROR|109"
    assert call(url, "RequestList", apikey="nope").status_code == 401


def test_user_info_and_price_answers(url: str) -> None:
    assert call(url, "GetUserInfo", apikey=KEY).text == "100.00|SMSMANAGER|high\n"
    price = call(
        url,
        "GetPrice",
        apikey=KEY,
        number="420777111220;420777111221",
        message="ř" * 71,
        type="utf",
        gateway="economy",
    )
    assert price.text == "2|2|71|1.60|3.20"
    call(url, "Send", apikey=KEY, number="420777111220", message="x" * 161)
    assert call(url, "GetUserInfo", apikey=KEY).text.startswith("97.80|")


def follow(url: str, clock: ManualClock, rid: str, number: str) -> list[tuple[int, int]]:
    """Step gateway time through the number's path, polling after each step, and return
    the distinct (state, receipt) seen in order."""
    seen: list[tuple[int, int]] = []
    for offset, _state, _receipt in BY_LAST_DIGIT[number[-1]]:
        clock.advance_to(offset + 0.5)
        line = call(url, "RequestStatus", apikey=KEY, requestid=rid).text.strip()
        _n, state, _exp, receipt = line.split("|")
        if not seen or seen[-1] != (int(state), int(receipt)):
            seen.append((int(state), int(receipt)))
    return seen


@pytest.mark.parametrize(
    ("digit", "must_pass", "final"),
    [
        ("0", [(1, 0), (2, 1)], (2, 2)),
        ("1", [(2, 1)], (2, 3)),
        ("2", [(2, 1), (2, 5)], (2, 6)),
        ("3", [(2, 1)], (2, 7)),
        ("4", [(2, 1)], (2, 8)),
        ("5", [(5, 0), (1, 0), (2, 1)], (2, 2)),
        ("6", [(5, 0)], (7, 0)),
        ("7", [(2, 4)], (2, 2)),
        ("8", [(2, 5)], (2, 2)),
        ("9", [], (4, 0)),
    ],
)
def test_each_last_digit_walks_its_documented_path_to_its_final_state(
    url: str, gateway: Gateway, digit: str, must_pass: list[tuple[int, int]], final: tuple[int, int]
) -> None:
    number = f"42077711122{digit}"
    clock = gateway.clock = ManualClock()
    rid = call(url, "Send", apikey=KEY, number=number, message="x").text.split("|")[1]
    seen = follow(url, clock, rid, number)
    assert seen[-1] == final
    for state in must_pass:
        assert state in seen
    path = [(s, r) for _t, s, r in BY_LAST_DIGIT[digit]]
    assert seen == [p for i, p in enumerate(path) if i == 0 or path[i - 1] != p]


def test_the_official_test_number_is_accepted_but_never_delivered(gateway: Gateway) -> None:
    result = gateway.send(KEY, NEVER_DELIVERED, "x")
    assert gateway.requests[result.request_id].numbers[0].steps[-1][1:] == (2, 1)


def test_a_request_that_expires_unsent_is_rejected_by_the_system(gateway: Gateway) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=3)).astimezone(PRAGUE)
    result = gateway.send(KEY, "420777111226", "x", expiration=soon.strftime("%Y-%m-%dT%H:%M:%S"))
    steps = gateway.requests[result.request_id].numbers[0].steps
    assert steps[-1][1] == 7 and steps[-1][0] <= 3


def test_a_user_cancel_before_sending_ends_in_state_6(gateway: Gateway, url: str) -> None:
    clock = gateway.clock = ManualClock()
    rid = call(url, "Send", apikey=KEY, number="420777111226", message="x").text.split("|")[1]
    clock.advance_to(3)  # queued, not sent yet
    assert call(url, "Cancel", apikey=KEY, requestid=rid).text == "OK|1"
    clock.advance_to(4)
    assert call(url, "RequestStatus", apikey=KEY, requestid=rid).text.split("|")[1] == "6"
    clock.advance_to(600)
    assert call(url, "RequestStatus", apikey=KEY, requestid=rid).text.split("|")[1] == "6"


def test_a_request_state_is_derived_from_its_numbers() -> None:
    assert derived_request_state([2, 1]) == 3
    assert derived_request_state([2, 4]) == 2
    assert derived_request_state([9, 0]) == 9
    assert derived_request_state([7, 7]) == 7


def test_each_fault_happens_at_its_rate_and_is_in_the_call_log() -> None:
    faults = Faults(
        server_error=0.15,
        unavailable_empty=0.1,
        unavailable_html=0.05,
        drop=0.05,
        slow=0.05,
        slow_seconds=0.01,
    )
    gateway = Gateway([Account(KEY)], faults=faults)
    n = 600
    statuses: Counter[object] = Counter()
    with SimulatorServer(gateway) as server:
        for _ in range(n):
            try:
                answer = call(server.url, "GetUserInfo", apikey=KEY)
                statuses[answer.status_code] += 1
                if answer.status_code == 500:
                    assert answer.text.startswith("ERROR|9")
                if answer.status_code == 503:
                    assert answer.text == "" or answer.text.startswith("<html>")
            except requests.ConnectionError:
                statuses["dropped"] += 1
    logged = Counter(c.fault for c in gateway.calls)
    for fault, rate in (
        ("http500", 0.15),
        ("http503", 0.1),
        ("http503html", 0.05),
        ("drop", 0.05),
        ("slow", 0.05),
    ):
        assert abs(logged[fault] / n - rate) < 0.05, (fault, logged[fault])
    assert statuses[500] == logged["http500"]
    assert statuses[503] == logged["http503"] + logged["http503html"]
    assert statuses["dropped"] == logged["drop"]
    assert len({c.error_code for c in gateway.calls if c.fault == "http500"}) > 1


def test_empty_status_bodies_and_unknown_codes_are_injected_at_their_rates() -> None:
    gateway = Gateway([Account(KEY)], scale=1, faults=Faults(empty_status=0.2, unknown_codes=0.3))
    rid = gateway.send(KEY, ";".join(f"42077711{i:04d}" for i in range(10)), "x").request_id
    empty = unknown = lines = 0
    with SimulatorServer(gateway) as server:
        for _ in range(200):
            text = call(server.url, "RequestStatus", apikey=KEY, requestid=rid).text
            empty += text == ""
            for line in text.splitlines():
                _n, state, _e, receipt = line.split("|")
                lines += 1
                unknown += state == "8" or receipt == "9"
    assert abs(empty / 200 - 0.2) < 0.07
    assert abs(unknown / lines - 0.3) < 0.05
    assert sum(c.fault == "empty" for c in gateway.calls) == empty


def test_faults_spare_send_so_traffic_keeps_flowing(url: str, gateway: Gateway) -> None:
    gateway.faults = Faults(server_error=1.0)
    assert call(url, "Send", apikey=KEY, number="420777111220", message="x").status_code == 200
    assert call(url, "GetUserInfo", apikey=KEY).status_code == 500


XML_OK = (
    "<RequestDocument><RequestHeader><Apikey>{key}</Apikey></RequestHeader><RequestList>"
    '<Request Type="high" CustomID="987654321" Sender="MyShop">'
    '<Message Type="Text">Příliš žluťoučký kůň</Message>'
    "<NumbersList><Number>420777123456</Number></NumbersList></Request></RequestList>"
    "</RequestDocument>"
)


def test_xml_send_answers_a_result_document(url: str) -> None:
    answer = call(url, "xml/Send", post=True, XMLDATA=XML_OK.format(key=KEY))
    assert answer.status_code == 200
    assert '<Response Type="OK" ID="0"/>' in answer.text
    assert "<CustomID>987654321</CustomID>" in answer.text
    assert "<Number>420777123456</Number>" in answer.text


@pytest.mark.parametrize(
    ("xmldata", "code", "status"),
    [
        (None, 101, 400),
        ("<RequestDocument><oops>", 102, 400),
        (XML_OK.format(key="wrong"), 103, 401),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            "<RequestDocument>&lol3;</RequestDocument>",
            102,
            400,
        ),
    ],
)
def test_xml_send_refuses_missing_malformed_and_exploding_documents(
    url: str, xmldata: str | None, code: int, status: int
) -> None:
    params = {} if xmldata is None else {"XMLDATA": xmldata}
    answer = call(url, "xml/Send", post=True, **params)
    assert answer.status_code == status
    assert f'<Response Type="ERROR" ID="{code}">' in answer.text


def test_one_account_in_a_9xx_storm_leaves_the_others_answering() -> None:
    storm = Account("storm-key", faults=Faults(server_error=1.0))
    gateway = Gateway([Account(KEY), storm])
    with SimulatorServer(gateway) as server:
        for key in (KEY, "storm-key"):
            assert call(server.url, "Send", True, apikey=key, number="420777000000", message="x").ok
        stormy = [call(server.url, "RequestList", apikey="storm-key") for _ in range(5)]
        healthy = [call(server.url, "RequestList", apikey=KEY) for _ in range(5)]
    assert all(a.status_code == 500 and a.text.startswith("ERROR|9") for a in stormy)
    assert all(a.status_code == 200 and a.text.count("\n") == 1 for a in healthy)


def test_the_history_endpoint_gives_each_numbers_steps_in_gateway_time() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    gateway = Gateway([Account(KEY), Account("other-key")], clock=clock)
    with SimulatorServer(gateway) as server:
        rid = gateway.send(KEY, "420777000008", "x").request_id
        gateway.send("other-key", "420777000001", "x")
        clock.advance_to(31)
        answer = call(server.url, "_simulator/history", apikey=KEY)
        refused = call(server.url, "_simulator/history", apikey="nobody")
    body = answer.json()
    assert body["gateway_now"] == "2026-03-01T12:00:31+00:00" and body["monotonic_now"] > 0
    assert list(body["requests"]) == [rid], "only the caller's own requests"
    steps = body["requests"][rid]["420777000008"]
    assert steps[-1] == ["2026-03-01T12:00:30+00:00", 2, 5]
    assert len(steps) == len([s for s in BY_LAST_DIGIT["8"] if s[0] <= 31])
    assert refused.status_code == 401 and refused.text == "ERROR|103"
