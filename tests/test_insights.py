"""Insight queries on SQLite and PostgreSQL against truth the tests build themselves."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from db.read import insights, significance, split
from db.read.filters import Filters
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record

NOW = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)


def send(
    engine: Engine,
    rid: str,
    at: datetime,
    codes: list[tuple[int, int]],
    gateway: str = "high",
    sender: str = "MyShop",
) -> None:
    """One request whose numbers reach (request state, receipt) in a single poll."""
    listed = RequestRecord(rid, gateway, at - timedelta(seconds=5), None, sender, None, 2)
    numbers = [
        NumberRecord(f"420777{i:06d}", state, 1, receipt)
        for i, (state, receipt) in enumerate(codes)
    ]
    record(engine, Observations("acme", at, listed=[listed], statuses={rid: numbers}))


def day(now: datetime = NOW) -> Filters:
    return Filters(now - timedelta(hours=24), now + timedelta(seconds=1))


@pytest.fixture(params=[True, False], ids=["rollups", "raw"])
def rollups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(split, "ROLLUPS", request.param)
    return bool(request.param)


# -- receipt coverage ---------------------------------------------------------------------

COVERAGE_SEED = {
    # gateway: (request state, receipt) per number
    "high": [(2, 2)] * 6 + [(2, 3)] * 2 + [(2, 0)] * 2,  # 10 sent, 8 with a final receipt
    "economy": [(2, 2)] * 3 + [(2, 1)] * 3 + [(2, 5)] * 2 + [(0, 0)] * 4,  # 8 sent, 3 covered
    "lowcost": [(4, 0)] * 3,  # never sent: invalid request
}


def test_receipt_coverage_counts_sent_messages_and_final_receipts_by_gateway(
    engine: Engine, rollups: bool
) -> None:
    for i, (gateway, codes) in enumerate(COVERAGE_SEED.items()):
        send(engine, f"c{i}", NOW - timedelta(hours=3), codes, gateway=gateway)
    days = insights.receipt_coverage(engine, day())
    by_gateway = insights.coverage_by_gateway(days).set_index("gateway")
    for gateway, codes in COVERAGE_SEED.items():
        sent = [c for c in codes if c[0] == 2 or c[1] > 0]
        covered = [c for c in sent if c[1] in (2, 3, 6, 7, 8)]
        if not sent:
            assert gateway not in by_gateway.index
            continue
        row = by_gateway.loc[gateway]
        assert (row["sent"], row["covered"]) == (len(sent), len(covered))
        assert row["coverage"] == pytest.approx(len(covered) / len(sent))


def test_receipt_coverage_splits_by_local_day(engine: Engine, rollups: bool) -> None:
    send(engine, "d1", NOW - timedelta(hours=2), [(2, 2), (2, 0)])  # 10:00 UTC, Nov 20
    send(engine, "d2", NOW - timedelta(hours=14), [(2, 3), (2, 2), (2, 2)])  # 22:00, Nov 19
    # In Prague (UTC+1) the second request falls on Nov 19 at 23:00, in UTC+3 on Nov 20.
    prague = insights.receipt_coverage(engine, day(), offset=3600)
    assert list(prague["sent"]) == [3, 2]
    assert list(prague["covered"]) == [3, 1]
    assert prague["day"].iloc[0] == datetime(2026, 11, 18, 23, tzinfo=UTC)
    east = insights.receipt_coverage(engine, day(), offset=3 * 3600)
    assert list(east["sent"]) == [5] and list(east["covered"]) == [4]


# -- outcome-mix shift --------------------------------------------------------------------


def test_the_p_value_is_that_of_the_normal_distribution() -> None:
    # 60/100 against 40/100: pooled 0.5, z = 0.2 / sqrt(0.25 * 0.02) = 2.828...
    z = 0.2 / math.sqrt(0.25 * 0.02)
    expected = 2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2))))
    assert significance.two_proportion_p(60, 100, 40, 100) == pytest.approx(expected)
    assert significance.two_proportion_p(5, 10, 5, 10) == pytest.approx(1.0)
    assert significance.two_proportion_p(0, 10, 0, 10) is None


def test_holm_stops_at_the_first_p_value_above_its_step() -> None:
    # m = 3: steps 0.01/3, 0.01/2, 0.01/1
    assert significance.holm({"a": 0.003, "b": 0.004, "c": 0.009}) == {"a", "b", "c"}
    assert significance.holm({"a": 0.003, "b": 0.011, "c": 0.001}) == {"a", "c"}
    # 0.009 would pass its own step, but 0.004 failed the first one: nothing after it counts
    assert significance.holm({"a": 0.006, "b": 0.004, "c": 0.009}) == set()
    assert significance.holm({"a": 0.004, "b": 0.001}) == {"b", "a"}
    assert significance.holm({"a": 0.0051, "b": 0.5}) == set()  # m = 2: 0.005


def mix(delivered: int, failed: int, expired: int) -> list[tuple[int, int]]:
    return [(2, 2)] * delivered + [(2, 3)] * failed + [(2, 6)] * expired


def seed_mix(engine: Engine, now: list[tuple[int, int]], before: list[tuple[int, int]]) -> None:
    send(engine, "now", NOW - timedelta(hours=5), now)
    send(engine, "before", NOW - timedelta(days=7, hours=5), before)
    send(engine, "between", NOW - timedelta(days=3), mix(0, 50, 0))  # in neither period


def test_a_large_shift_in_failures_is_flagged(engine: Engine, rollups: bool) -> None:
    seed_mix(engine, now=mix(120, 75, 5), before=mix(180, 15, 5))
    table = insights.outcome_shift(engine, day()).set_index(["kind", "code"])
    failed, delivered, expired = (table.loc[("receipt", c)] for c in (3, 2, 6))
    assert (failed["now"], failed["before"]) == (75, 15)
    assert failed["share_now"] == pytest.approx(75 / 200)
    assert failed["change_pp"] == pytest.approx(100 * (75 - 15) / 200)
    assert failed["p_value"] == pytest.approx(significance.two_proportion_p(75, 200, 15, 200))
    assert bool(failed["flagged"]) and bool(delivered["flagged"])
    assert not bool(expired["flagged"])  # 5 and 5: unchanged
    assert set(table.index) == {("receipt", 2), ("receipt", 3), ("receipt", 6)}


def test_a_small_shift_is_not_flagged(engine: Engine, rollups: bool) -> None:
    # 15 % -> 10.5 % failed on 200 messages each: p ~ 0.17, no flag
    seed_mix(engine, now=mix(164, 30, 6), before=mix(173, 21, 6))
    table = insights.outcome_shift(engine, day())
    assert not table["flagged"].any()
    assert table["p_value"].notna().all()


def test_a_big_change_on_few_messages_is_not_tested(engine: Engine, rollups: bool) -> None:
    # 1 of 10 failed -> 8 of 10 failed: large in points, but too few messages to say
    seed_mix(engine, now=mix(2, 8, 0), before=mix(9, 1, 0))
    table = insights.outcome_shift(engine, day()).set_index(["kind", "code"])
    assert table.loc[("receipt", 3), "change_pp"] == pytest.approx(70.0)
    assert table["p_value"].isna().all() and not table["flagged"].any()


def test_a_request_state_ending_a_message_counts_as_its_own_outcome(engine: Engine) -> None:
    seed_mix(engine, now=[(4, 0)] * 3 + mix(5, 0, 0), before=[(7, 0)] * 2 + mix(6, 0, 0))
    table = insights.outcome_shift(engine, day()).set_index(["kind", "code"])
    counts = Counter({key: int(table.loc[key, "now"]) for key in table.index})
    assert counts == Counter({("request_state", 4): 3, ("receipt", 2): 5, ("request_state", 7): 0})
    assert table.loc[("request_state", 7), "before"] == 2
