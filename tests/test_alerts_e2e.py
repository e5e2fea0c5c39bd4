"""Each rule end to end: the simulator makes the condition, the collector evaluates after each
cycle, and Apprise delivers to a real SMTP server and an HTTP receiver on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from collector.poller import CycleSummary
from collector.simulator import Faults, Gateway, SimulatorServer
from collector.simulator.gateway import Account
from db.models import Message
from db.records import ApiCallRecord
from db.types import utcnow
from tests.alert_helpers import (
    HttpReceiver,
    SmtpReceiver,
    alerting,
    count,
    free_port,
    only,
    targets,
    wait_for,
)

pytestmark = pytest.mark.slow
KEY = "k3y-Al3rts-0a1b2c"
DASHBOARD = "http://dashboard.example:8501"


def final_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(Message.final_at.is_not(None))).scalar_one()
        )


def numbers(last_digit: int, n: int, start: int = 0) -> str:
    return ";".join(f"42060{start + i:06d}{last_digit}" for i in range(n))


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    with targets() as pair:
        yield pair


def both(receivers: tuple[HttpReceiver, SmtpReceiver], word: str, name: str) -> tuple[int, int]:
    http, smtp = receivers
    return count(http.titles(), word, name), count(smtp.titles(), word, name)


def test_delivery_rate_fires_once_above_the_minimum_volume_and_resolves_once_when_it_recovers(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, smtp = receivers
    gateway = Gateway([Account(KEY, credit=10_000)], scale=100)
    config = only("delivery_rate", threshold=90, min_count=20, window="30m", **{"for": "0s"},
                  resolve_after="0s")  # fmt: skip
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, KEY, config, [http.url, smtp.url], dashboard=DASHBOARD)
        # 12 undelivered receipts: 0 % delivered, but below the minimum of 20.
        gateway.send(KEY, numbers(1, 12), "Objednávka")
        run.until("12 final messages", lambda: final_count(engine) == 12)
        run.cycles(3)
        assert run.states() == {}
        assert http.posts == [] and smtp.box.messages == []

        gateway.send(KEY, numbers(1, 13, start=100), "Objednávka")
        run.until("the firing", lambda: run.firing("delivery_rate"))
        wait_for("both targets", lambda: both(receivers, "FIRING", "Delivery rate") == (1, 1))
        run.cycles(5)
        assert both(receivers, "FIRING", "Delivery rate") == (1, 1)
        message = http.posts[0]["message"]
        assert "Delivered 0 % of 25 messages in the last 30 min (threshold 90 %)" in message
        assert f"{DASHBOARD}/overview?range=24h&lang=en" in message
        assert "Delivered 0 % of 25 messages" in smtp.box.messages[0][1]
        # 250 delivered receipts lift the share to 91 %: resolved, once.
        gateway.send(KEY, numbers(0, 250, start=1000), "Doručeno")
        run.until("the resolution", lambda: not run.firing("delivery_rate"), timeout=120)
        run.cycles(5)
    wait_for("both targets", lambda: both(receivers, "RESOLVED", "Delivery rate") == (1, 1))
    assert both(receivers, "FIRING", "Delivery rate") == (1, 1)
    assert len(http.posts) == len(smtp.box.messages) == 2
    resolved = http.posts[1]["message"]
    assert "Resolved after" in resolved and "Delivered 91 % of 275 messages" in resolved
    [episode] = run.episodes()
    assert episode.resolved_at is not None and episode.text.startswith("Delivered 0 %")
    assert {(n.kind, n.status) for n in run.notifications()} == {
        ("firing", "sent"),
        ("resolved", "sent"),
    }


def test_delivery_rate_split_by_sender_fires_only_for_the_failing_sender(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, _smtp = receivers
    gateway = Gateway([Account(KEY, credit=10_000)], scale=100)
    config = only("delivery_rate", split_by="sender", min_count=20, **{"for": "0s"})
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, KEY, config, [http.url])
        gateway.send(KEY, numbers(3, 30), "Akce", sender="MyShop")  # invalid numbers
        gateway.send(KEY, numbers(0, 30, start=500), "Termín", sender="Doctor")
        run.until("MyShop firing", lambda: run.firing("delivery_rate", "MyShop"))
        run.cycles(3)
    assert not run.firing("delivery_rate", "Doctor")
    assert http.titles() == ["[smsdash] FIRING: Delivery rate (MyShop)"]
    assert "range=" not in http.posts[0]["message"]  # no dashboard URL configured


def test_stuck_messages_fire_once_and_resolve_once_when_the_collector_gives_up_on_them(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    config = only("stuck", age="2s", threshold=3, **{"for": "0s"}, resolve_after="0s")
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, KEY, config, [r.url for r in receivers],
            give_up_after=timedelta(seconds=8),
        )  # fmt: skip
        for _ in range(3):
            gateway.send(KEY, "420777777777", "test")  # SmsManager's never-final test number
        gateway.send(KEY, numbers(0, 5), "ok")
        run.until("stuck firing", lambda: run.firing("stuck"), timeout=90)
        wait_for("both targets", lambda: both(receivers, "FIRING", "Stuck messages") == (1, 1))
        run.until("given up", lambda: not run.firing("stuck"), timeout=90)
        run.cycles(3)
    wait_for("both targets", lambda: both(receivers, "RESOLVED", "Stuck messages") == (1, 1))
    http, _smtp = receivers
    assert "3 messages not final for more than 2 s (threshold 3)" in http.posts[0]["message"]
    assert len(http.posts) == 2


def test_a_9xx_storm_fires_api_errors_as_server_errors_once_and_resolves_once(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    gateway = Gateway([Account(KEY)], scale=100)
    config = only("api_errors", window="30s", threshold=20, min_count=3, **{"for": "0s"},
                  resolve_after="0s")  # fmt: skip
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, KEY, config, [r.url for r in receivers], credit_interval=0.05
        )
        gateway.send(KEY, "420777777777", "polled every cycle")
        run.cycles(10)
        assert run.states() == {}
        gateway.faults = Faults(server_error=1.0)  # --server-error 1: every poll answers 9xx
        run.until("api_errors firing", lambda: run.firing("api_errors"), timeout=90)
        run.cycles(3)
        gateway.faults = Faults()
        # Half a minute on, the storm has left the window and the calls succeed again.
        run.offset = timedelta(seconds=31)
        run.until("the storm's end", lambda: not run.firing("api_errors"), timeout=120)
        run.cycles(3)
    wait_for("both targets", lambda: both(receivers, "RESOLVED", "API errors") == (1, 1))
    assert both(receivers, "FIRING", "API errors") == (1, 1)
    http, _smtp = receivers
    text = http.posts[0]["message"]
    assert "API calls failed in the last 30 s" in text
    assert "server errors (the gateway's side), 0 client errors" in text


def test_a_rejected_key_fires_at_once_reminds_on_time_and_resolves_when_the_key_is_fixed(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, smtp = receivers
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, "not-the-key", only("api_key", extra='reminder = "24h"'),
            [http.url, smtp.url], auth_retry=0.1,
        )  # fmt: skip
        run.poller.cycle()
        assert run.firing("api_key")  # at once: no `for`
        wait_for("both targets", lambda: both(receivers, "FIRING", "API key rejected") == (1, 1))
        assert "error 103" in http.posts[0]["message"]
        # A fast clock: nothing at 23 h, one reminder past 24 h, the next only past 48 h.
        for hours, expected in ((23, 0), (24.01, 1), (30, 1), (47.9, 1), (48.05, 2), (50, 2)):
            run.offset = timedelta(hours=hours)
            run.cycles(2)
            assert both(receivers, "STILL FIRING", "API key rejected") == (expected, expected)
        run.offset = timedelta(hours=50)
        run.poller.client.api_key = KEY
        run.until("resolved", lambda: not run.firing("api_key"))
        run.cycles(3)
    assert both(receivers, "RESOLVED", "API key rejected") == (1, 1)
    assert both(receivers, "FIRING", "API key rejected") == (1, 1)
    assert len(http.posts) == 4


def test_credit_below_an_amount_fires_once_and_a_top_up_resolves_it(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    account = Account(KEY, credit=150.0)
    gateway = Gateway([account], scale=100)
    config = only("credit", min_credit=100, runway="0", resolve_after="0s")
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, KEY, config, [r.url for r in receivers], credit_interval=0.05
        )
        run.cycles(5)
        assert run.states() == {}
        gateway.send(KEY, numbers(0, 60), "Platba")  # 60 × 1.10 CZK: 84 CZK left
        run.until("credit firing", lambda: run.firing("credit"))
        account.credit = 5000.0
        run.until("resolved", lambda: not run.firing("credit"))
        run.cycles(3)
    wait_for("both targets", lambda: both(receivers, "RESOLVED", "Credit") == (1, 1))
    assert both(receivers, "FIRING", "Credit") == (1, 1)
    http, _smtp = receivers
    assert "Credit 84.00 CZK is below 100.00 CZK" in http.posts[0]["message"]


def test_falling_credit_fires_on_a_short_runway_and_resolves_when_the_spend_ages_out(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, _smtp = receivers
    gateway = Gateway([Account(KEY, credit=1000.0)], scale=100)
    config = only("credit", runway="3d", resolve_after="0s", window="24h")
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, KEY, config, [http.url], credit_interval=0.05)
        run.cycles(3)
        for i in range(3):  # falling credit over a few seconds: a runway of minutes
            gateway.send(KEY, numbers(0, 10, start=i * 10), "Platba")
            later = time.monotonic() + 1.1  # credit samples are stored to the second
            run.until("a second later", lambda: time.monotonic() > later)  # noqa: B023
        run.until("credit firing", lambda: run.firing("credit"), timeout=90)
        run.offset = timedelta(hours=25)  # a day later, no spend seen: no runway to fear
        run.until("resolved", lambda: not run.firing("credit"))
    wait_for("the resolution", lambda: count(http.titles(), "RESOLVED", "Credit") == 1)
    assert count(http.titles(), "FIRING", "Credit") == 1
    assert "at the recent spend rate (threshold 3 days)" in http.posts[0]["message"]


def test_a_collector_that_cannot_reach_the_api_goes_stale_stops_its_heartbeat_and_recovers(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, smtp = receivers
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, KEY, only("collector_stale", after="2s"), [http.url, smtp.url],
            heartbeat=http.heartbeat_url,
        )  # fmt: skip
        run.cycles(5)
        assert len(http.pings) >= 4 and set(http.pings) == {"/ping/collector"}
        gateway.faults = Faults(drop=1.0)  # every poll: connection closed without an answer
        run.cycles(1)
        pings = len(http.pings)
        run.until("stale firing", lambda: run.firing("collector_stale"), timeout=90)
        assert len(http.pings) == pings  # no successful cycle: no heartbeat
        gateway.faults = Faults()
        # The collector's backoff decides when it calls again: up to a minute on a busy machine.
        run.until("resolved", lambda: not run.firing("collector_stale"), timeout=180)
        run.cycles(3)
    assert len(http.pings) > pings
    wait_for("both targets", lambda: both(receivers, "RESOLVED", "Collector stale") == (1, 1))
    assert both(receivers, "FIRING", "Collector stale") == (1, 1)
    assert "No successful API call for" in http.posts[0]["message"]


def test_a_cycle_answered_only_with_an_empty_page_still_pings_the_heartbeat(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, _smtp = receivers
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(
            server.url, engine, KEY, only("collector_stale"), [http.url],
            heartbeat=http.heartbeat_url,
        )  # fmt: skip
        run.cycles(1)
        pings = len(http.pings)
        assert pings == 1
        # RequestList in its backoff, and the one RequestStatus answered with an empty page:
        # the gateway and the key work, so the dead man's switch must not go quiet.
        empty = ApiCallRecord("RequestStatus", utcnow(), 12.0, "empty", 200, request_id="1")
        run.poller.client.on_call(empty)
        run.hook.heartbeat(CycleSummary(statuses=1, calls=1))
    assert len(http.pings) == pings + 1


def test_quiet_hours_hold_notifications_back_and_release_a_still_firing_alert_once(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, smtp = receivers
    local = utcnow().astimezone(ZoneInfo("Europe/Prague"))
    quiet = (
        "[quiet_hours]\n"
        f'start = "{(local - timedelta(hours=1)):%H:%M}"\n'
        f'end = "{(local + timedelta(hours=1)):%H:%M}"\n'
        'timezone = "Europe/Prague"\n'
    )
    config = only("delivery_rate", extra=quiet, window="6h", min_count=20, **{"for": "0s"},
                  resolve_after="0s")  # fmt: skip
    gateway = Gateway([Account(KEY, credit=10_000)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, KEY, config, [http.url, smtp.url])
        gateway.send(KEY, numbers(4, 30), "Akce")
        run.until("firing", lambda: run.firing("delivery_rate"))
        run.cycles(5)
        assert http.posts == [] and smtp.box.messages == []  # quiet hours
        assert {n.status for n in run.notifications()} == {"pending"}
        run.offset = timedelta(hours=2)  # quiet hours are over, the alert still fires
        run.cycles(3)
        wait_for("the held firing", lambda: both(receivers, "FIRING", "Delivery rate") == (1, 1))
        run.offset = timedelta(hours=7)  # the 30 failures left the 6 h window
        run.until("resolved", lambda: not run.firing("delivery_rate"))
        run.cycles(3)
    assert both(receivers, "RESOLVED", "Delivery rate") == (1, 1)
    assert len(http.posts) == 2


def test_an_episode_that_starts_and_ends_in_quiet_hours_sends_nothing(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, smtp = receivers
    local = utcnow().astimezone(ZoneInfo("Europe/Prague"))
    quiet = (
        "[quiet_hours]\n"
        f'start = "{(local - timedelta(hours=1)):%H:%M}"\n'
        f'end = "{(local + timedelta(hours=3)):%H:%M}"\n'
    )
    config = only("delivery_rate", extra=quiet, window="30m", min_count=20, **{"for": "0s"},
                  resolve_after="0s")  # fmt: skip
    gateway = Gateway([Account(KEY, credit=10_000)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, KEY, config, [http.url, smtp.url])
        gateway.send(KEY, numbers(4, 30), "Akce")
        run.until("firing", lambda: run.firing("delivery_rate"))
        run.offset = timedelta(hours=1)
        run.until("resolved", lambda: not run.firing("delivery_rate"))
        run.offset = timedelta(hours=4)
        run.cycles(3)
    assert http.posts == [] and smtp.box.messages == []
    statuses = {(n.kind, n.status, n.error) for n in run.notifications()}
    assert statuses == {
        ("firing", "skipped", "resolved before it could be sent"),
        ("resolved", "skipped", "its firing notification was never sent"),
    }
    assert len(run.episodes()) == 1


def test_a_failing_target_is_retried_recorded_and_never_stops_the_collector(
    engine: Engine, receivers: tuple[HttpReceiver, SmtpReceiver]
) -> None:
    http, _smtp = receivers
    dead = f"json://127.0.0.1:{free_port()}/nobody-listens"
    gateway = Gateway([Account(KEY)], scale=100)
    with SimulatorServer(gateway) as server:
        run = alerting(server.url, engine, "wrong-key", only("api_key"), [http.url, dead])
        run.cycles(3)
        wait_for("the live target", lambda: len(http.posts) == 1)
        [failing] = [n for n in run.notifications() if "nobody-listens" in n.target]
        assert (failing.status, failing.attempts) == ("pending", 1)
        assert "Connection error" in (failing.error or "")
        for minutes in (2, 8, 25, 90, 200):  # past each retry delay
            run.offset = timedelta(minutes=minutes)
            run.cycles(2)
    [failing] = [n for n in run.notifications() if "nobody-listens" in n.target]
    assert (failing.status, failing.attempts) == ("failed", 5)
    assert len(http.posts) == 1
    assert run.poller.cycles >= 13
