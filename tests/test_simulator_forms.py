"""The simulator speaks as other clients do: logins, multipart forms, the LTS Send, UUID ids."""

from __future__ import annotations

import hashlib
import http.client
import uuid
from collections.abc import Iterator

import pytest
import requests

from collector.__main__ import build_parser
from collector.errors import ConfigError
from collector.simulate_cli import build_gateway
from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account

KEY = "forms-key"
PASSWORD = "Heslo-123"
DIGEST = hashlib.sha1(PASSWORD.encode()).hexdigest()
NUMBERS = "420777111220;420777111221,+420 777 111 222"
NORMALISED = ["420777111220", "420777111221", "420777111222"]


def document(key: str = KEY) -> str:
    return (
        f"<RequestDocument><RequestHeader><Apikey>{key}</Apikey></RequestHeader>"
        '<RequestList><Request Type="economy" CustomID="42">'
        '<Message Type="Text">Dobrý den</Message>'
        "<NumbersList><Number>420777111220</Number><Number>420777111221</Number></NumbersList>"
        "</Request></RequestList></RequestDocument>"
    )


@pytest.fixture(params=[False, True], ids=["lenient", "strict"])
def strict(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def gateway(strict: bool) -> Gateway:
    account = Account(KEY, credit=100.0, username="eshop", password=PASSWORD)
    return Gateway([account], scale=200, strict=strict)


@pytest.fixture
def url(gateway: Gateway) -> Iterator[str]:
    with SimulatorServer(gateway) as server:
        yield server.url


def test_username_and_the_sha1_hex_of_the_password_open_the_account(url: str) -> None:
    for digest in (DIGEST, DIGEST.upper()):
        answer = requests.get(
            url + "GetUserInfo", params={"username": "eshop", "password": digest}, timeout=5
        )
        assert answer.text == "100.00|SMSMANAGER|high\n"
    sent = requests.post(
        url + "Send",
        data={"username": "eshop", "password": DIGEST, "number": "420777111220", "message": "x"},
        timeout=5,
    )
    assert sent.text.startswith("OK|")


@pytest.mark.parametrize(
    "login",
    [
        {"username": "eshop", "password": PASSWORD},  # the password itself is not its hash
        {"username": "eshop", "password": hashlib.sha1(b"wrong").hexdigest()},
        {"username": "other", "password": DIGEST},
        {"username": "eshop"},
        {"password": DIGEST},
    ],
)
def test_a_wrong_login_is_error_103(url: str, login: dict[str, str]) -> None:
    answer = requests.get(url + "GetUserInfo", params=login, timeout=5)
    assert (answer.status_code, answer.text) == (401, "ERROR|103")


def test_an_api_key_wins_over_a_login(url: str) -> None:
    params = {"apikey": "wrong", "username": "eshop", "password": DIGEST}
    assert requests.get(url + "GetUserInfo", params=params, timeout=5).status_code == 401


@pytest.mark.parametrize("filename", [None, "request.xml"])
def test_xmldata_as_multipart_form_data_sends_like_urlencoded(
    url: str, gateway: Gateway, filename: str | None
) -> None:
    multipart = requests.post(
        url + "xml/Send", files={"XMLDATA": (filename, document().encode())}, timeout=5
    )
    assert multipart.request.headers["Content-Type"].startswith("multipart/form-data")
    urlencoded = requests.post(url + "xml/Send", data={"XMLDATA": document()}, timeout=5)
    for answer in (multipart, urlencoded):
        assert answer.status_code == 200
        assert 'Type="OK"' in answer.text and "<CustomID>42</CustomID>" in answer.text
    assert [r.sender for r in gateway.requests.values()] == ["SMSMANAGER", "SMSMANAGER"]
    assert {r.gateway for r in gateway.requests.values()} == {"economy"}
    assert 'ID="101"' in requests.post(url + "xml/Send", files={"OTHER": "x"}, timeout=5).text


def test_multipart_send_with_a_utf8_text_is_charged_as_utf(url: str, gateway: Gateway) -> None:
    fields = {
        "apikey": (None, KEY),
        "number": (None, "420777111220"),
        "message": (None, "Příliš žluťoučký kůň".encode()),
        "type": (None, "utf"),
    }
    answer = requests.post(url + "Send", files=fields, timeout=5)
    assert answer.text.startswith("OK|")
    assert gateway.accounts[KEY].credit == pytest.approx(100.0 - 1.10)


def test_a_malformed_or_oversized_body_is_refused_without_harm(url: str) -> None:
    bad = requests.post(
        url + "Send",
        data=b"apikey=x",
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
        timeout=5,
    )
    assert bad.status_code == 400
    # Only the announced length: the simulator must answer before reading a byte of it.
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.putrequest("POST", "/Send")
    connection.putheader("Content-Length", str(2 << 20))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()
    assert requests.get(url + "GetUserInfo", params={"apikey": KEY}, timeout=5).ok


@pytest.mark.parametrize("verb", ["GET", "POST"])
@pytest.mark.parametrize(("number", "message"), [("number", "message"), ("to", "body")])
def test_the_lts_send_at_the_root_answers_one_line_per_recipient(
    url: str, gateway: Gateway, verb: str, number: str, message: str
) -> None:
    params = {
        "apikey": KEY,
        number: NUMBERS,
        message: "Dobrý den",
        "sender": "MyShop",
        "gateway": "lowcost",
        "type": "utf",
        "callback": "https://example.invalid/hook",
    }
    where = "params" if verb == "GET" else "data"
    answer = requests.request(verb, url, timeout=5, **{where: params})
    assert answer.status_code == 200 and answer.text.endswith("\n")
    lines = [line.split("|") for line in answer.text.splitlines()]
    assert [(ok, n) for ok, _rid, n in lines] == [("OK", n) for n in NORMALISED]
    ids = [rid for _ok, rid, _n in lines]
    assert len(set(ids)) == 3
    for rid, n in zip(ids, NORMALISED, strict=True):
        status = requests.get(
            url + "RequestStatus", params={"apikey": KEY, "requestID": rid}, timeout=5
        )
        assert status.text.startswith(f"{n}|")
        assert (gateway.requests[rid].sender, gateway.requests[rid].gateway) == (
            "MyShop",
            "lowcost",
        )
    assert gateway.accounts[KEY].credit == pytest.approx(100.0 - 3 * 0.45)


def test_the_lts_send_validates_like_send(url: str) -> None:
    missing = requests.get(url, params={"apikey": KEY, "to": "420777111220"}, timeout=5)
    assert (missing.status_code, missing.text) == (400, "ERROR|109")
    sender = {"apikey": KEY, "to": "420777111220", "body": "x", "sender": "Nobody"}
    assert requests.get(url, params=sender, timeout=5).text == "ERROR|203"
    assert requests.get(url, timeout=5).text == "ERROR|103"


def test_uuid_ids_are_listed_newest_first_and_answer_status(strict: bool) -> None:
    gateway = Gateway([Account(KEY, credit=100.0)], scale=200, uuid_ids=True, strict=strict)
    with SimulatorServer(gateway) as server:
        sent = [
            requests.get(
                server.url + "Send",
                params={"apikey": KEY, "number": f"42077711122{i}", "message": "x"},
                timeout=5,
            ).text.split("|")[1]
            for i in range(5)
        ]
        listed = requests.get(server.url + "RequestList", params={"apikey": KEY}, timeout=5)
        status = requests.get(
            server.url + "RequestStatus", params={"apikey": KEY, "requestID": sent[2]}, timeout=5
        )
    assert all(uuid.UUID(rid).version == 4 and len(rid) == 36 for rid in sent)
    assert [line.split("|")[0] for line in listed.text.splitlines()] == sent[::-1]
    assert status.text.startswith("420777111222|")


def test_seeded_uuid_ids_repeat_with_the_seed() -> None:
    def ids(seed: int) -> list[str]:
        gateway = Gateway([Account(KEY)], seed=seed, uuid_ids=True)
        return [gateway.send(KEY, "420777111220", "x").request_id for _ in range(3)]

    assert ids(7) == ids(7) != ids(8)


def test_the_simulate_command_takes_strict_uuid_and_login_options() -> None:
    args = build_parser().parse_args(
        ["simulate", "--strict", "--uuid-ids", "--username", "u", "--password", "p"]
    )
    gateway = build_gateway(args)
    assert (gateway.strict, gateway.uuid_ids) == (True, True)
    assert gateway.login("u", hashlib.sha1(b"p").hexdigest()) == "demo-key"
    lenient = build_gateway(build_parser().parse_args(["simulate"]))
    assert (lenient.strict, lenient.uuid_ids) == (False, False)
    with pytest.raises(ConfigError, match="--password"):
        build_gateway(build_parser().parse_args(["simulate", "--username", "u"]))
