"""Helpers for tests that run the collector against the simulator over real HTTP."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import requests
from sqlalchemy import Engine, select

from collector.client import SmsManagerClient
from collector.poller import Poller
from collector.settings import Settings
from collector.simulator import Gateway
from db.models import Message, StateChange


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


NUMBERS_BY_DIGIT = [f"42077700{d}{d}0{d}" for d in range(10)]


def send_mix(gateway: Gateway, key: str) -> None:
    """One request per last digit, one multi-number request and the never-delivered number."""
    for number in NUMBERS_BY_DIGIT:
        gateway.send(key, number, "Objednávka odeslána")
    gateway.send(
        key,
        "420601000010;420601000011;420601000015;420601000019",
        "x" * 200,
        gateway="economy",
        sender="MyShop",
    )
    gateway.send(key, "420777777777", "test")


def make_poller(url: str, engine: Engine, key: str, **settings: Any) -> Poller:
    options: dict[str, Any] = {
        "api_key": key,
        "api_url": url,
        "account": "acme",
        "poll_interval": 0.05,
        "read_timeout": 5.0,
    }
    options.update(settings)
    config = Settings(**options)
    client = SmsManagerClient(requests.Session(), key, url, read_timeout=config.read_timeout)
    return Poller(client, engine, config)


def stored_states(engine: Engine) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Message.request_id, Message.number, Message.request_state, Message.receipt_state)
        ).all()
    return {(r, n): (s, c) for r, n, s, c in rows}


def true_states(gateway: Gateway) -> dict[tuple[str, str], tuple[int, int]]:
    return {key: (step[1], step[2]) for key, step in gateway.truth().items()}


def poll_until_truth(poller: Poller, gateway: Gateway, engine: Engine, timeout: float) -> int:
    """Cycle until the simulator is quiescent and the database equals its truth."""
    deadline = time.monotonic() + timeout
    cycles = 0
    while time.monotonic() < deadline:
        poller.cycle()
        cycles += 1
        if gateway.quiescent() and stored_states(engine) == true_states(gateway):
            return cycles
        time.sleep(poller.settings.poll_interval)
    truth = true_states(gateway)
    wrong = {k: (v, truth.get(k)) for k, v in stored_states(engine).items() if v != truth.get(k)}
    raise AssertionError(f"no match after {cycles} cycles: stored vs true {wrong}")


def change_chains(engine: Engine) -> dict[tuple[str, str | None, str], list[tuple[Any, Any]]]:
    chains: dict[tuple[str, str | None, str], list[tuple[Any, Any]]] = defaultdict(list)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                StateChange.request_id,
                StateChange.number,
                StateChange.kind,
                StateChange.old_code,
                StateChange.new_code,
            ).order_by(StateChange.id)
        ).all()
    for rid, number, kind, old, new in rows:
        chains[(rid, number, kind)].append((old, new))
    return chains


def assert_changes_recorded_once(engine: Engine) -> None:
    """Each change follows the previous one: no repeats, no gaps, starting from nothing."""
    for key, chain in change_chains(engine).items():
        assert chain[0][0] is None, key
        for (_o1, new1), (old2, new2) in pairwise(chain):
            assert old2 == new1 and new2 != old2, (key, chain)
