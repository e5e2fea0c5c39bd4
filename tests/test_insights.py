"""Insight queries on SQLite and PostgreSQL against truth the tests build themselves."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from db.models import Message
from db.read import completion, insights, late, significance, split
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
    prague = insights.receipt_coverage(engine, day(), "Europe/Prague")
    assert list(prague["sent"]) == [3, 2]
    assert list(prague["covered"]) == [3, 1]
    assert prague["day"].iloc[0] == datetime(2026, 11, 18, 23, tzinfo=UTC)
    east = insights.receipt_coverage(engine, day(), "Europe/Istanbul")
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


# -- late for their cohort ----------------------------------------------------------------

LATE_NOW = datetime(2026, 11, 20, 12, 30, 0, tzinfo=UTC)
FALLBACK = timedelta(minutes=30)


def final_after(
    engine: Engine, rid: str, delay: int, count: int, gateway: str, sender: str
) -> None:
    """``count`` numbers created 3 h ago that reached a final receipt ``delay`` s later."""
    created = LATE_NOW - timedelta(hours=3)
    listed = RequestRecord(rid, gateway, created, None, sender, None, 2)
    numbers = [NumberRecord(f"420601{i:06d}", 2, 1, 2) for i in range(count)]
    at = created + timedelta(seconds=delay)
    record(engine, Observations("acme", at, listed=[listed], statuses={rid: numbers}))


def pending_since(engine: Engine, rid: str, age: timedelta, gateway: str, sender: str) -> None:
    created = LATE_NOW - age
    listed = RequestRecord(rid, gateway, created, None, sender, None, 2)
    numbers = [NumberRecord("420777123456", 2, 1, 1)]
    record(
        engine,
        Observations(
            "acme", created + timedelta(seconds=2), listed=[listed], statuses={rid: numbers}
        ),
    )


def test_late_messages_are_older_than_their_cohort_p95_or_the_fixed_threshold(
    engine: Engine,
) -> None:
    # high/MyShop: 60 final messages, delays 30 s .. 570 s (exact rollup buckets)
    delays = [30 * (1 + i % 19) for i in range(60)]
    for delay, count in sorted(Counter(delays).items()):
        final_after(engine, f"a{delay}", delay, count, "high", "MyShop")
    # economy/Bank: 49 final messages within 10 s -- one short of a cohort of its own
    final_after(engine, "b", 10, 49, "economy", "Bank")
    p95 = sorted(delays)[math.ceil(0.95 * len(delays)) - 1]  # 540 s, by hand
    pending_since(engine, "late_a", timedelta(seconds=p95 + 60), "high", "MyShop")
    pending_since(engine, "early_a", timedelta(seconds=p95 - 60), "high", "MyShop")
    pending_since(engine, "late_b", timedelta(minutes=31), "economy", "Bank")
    # not late: too few samples, so the fixed 30 min apply, not their 10 s
    pending_since(engine, "early_b", timedelta(minutes=20), "economy", "Bank")
    pending_since(engine, "late_new", timedelta(minutes=45), "lowcost", "Other")

    found = late.cohorts(engine, day(LATE_NOW), LATE_NOW)
    assert found[("high", "MyShop")].p95 == p95
    assert found[("high", "MyShop")].samples == 60
    assert found[("economy", "Bank")].samples == 49
    assert found[("economy", "Bank")].p95 is None

    rows, total = late.late(engine, day(LATE_NOW), LATE_NOW, FALLBACK)
    assert total == 3
    # by age / limit: 2700/1800 = 1.5, 600/540 = 1.11, 1860/1800 = 1.03
    assert list(rows["request_id"]) == ["late_new", "late_a", "late_b"]
    assert list(rows["limit_seconds"]) == [1800, p95, 1800]
    assert list(rows["age_seconds"]) == [45 * 60, p95 + 60, 31 * 60]
    assert list(rows["cohort"]) == [False, True, False]

    narrowed, n = late.late(engine, replace(day(LATE_NOW), gateway="high"), LATE_NOW, FALLBACK)
    assert n == 1 and list(narrowed["request_id"]) == ["late_a"]


def test_the_late_count_of_an_earlier_moment_counts_messages_final_since(
    engine: Engine,
) -> None:
    before = LATE_NOW - timedelta(hours=1)

    def request(rid: str, created: datetime, final_at: datetime | None) -> None:
        listed = RequestRecord(rid, "lowcost", created, None, "Other", None, 2)
        first = created + timedelta(seconds=2)
        pending = [NumberRecord("420777123456", 2, 1, 1)]
        record(engine, Observations("acme", first, listed=[listed], statuses={rid: pending}))
        if final_at is not None:
            done = [NumberRecord("420777123456", 2, 1, 2)]
            record(engine, Observations("acme", final_at, statuses={rid: done}))

    # no cohort has samples: the fixed 30 min apply throughout
    request("final_since", before - timedelta(minutes=40), before + timedelta(minutes=10))
    request("final_before", before - timedelta(minutes=40), before - timedelta(minutes=5))
    request("young_then", before - timedelta(minutes=20), None)
    request("late_both", before - timedelta(minutes=50), None)
    request("new", LATE_NOW - timedelta(minutes=10), None)
    # late then: final_since, late_both; late now: young_then (80 min), late_both
    assert late.late_count(engine, day(LATE_NOW), before, FALLBACK) == 2
    assert late.late_count(engine, day(LATE_NOW), LATE_NOW, FALLBACK) == 2
    rows, total = late.late(engine, day(LATE_NOW), LATE_NOW, FALLBACK)
    assert total == 2 and set(rows["request_id"]) == {"young_then", "late_both"}
    narrowed = replace(day(LATE_NOW), sender="Bank")
    assert late.late_count(engine, narrowed, before, FALLBACK) == 0


def test_the_late_count_of_an_earlier_moment_counts_slow_finals_and_given_up_messages(
    engine: Engine,
) -> None:
    before = LATE_NOW - timedelta(hours=3)
    waiting = [NumberRecord("420777123456", 2, 1, 1)]

    def request(rid: str, created: datetime, left: datetime, final: bool) -> None:
        """Pending from its creation (first seen 2 s later); final or given up at ``left``."""
        listed = RequestRecord(rid, "lowcost", created, None, "Other", None, 2)
        first = created + timedelta(seconds=2)
        record(engine, Observations("acme", first, listed=[listed], statuses={rid: waiting}))
        if final:
            done = [NumberRecord("420777123456", 2, 1, 2)]
            record(engine, Observations("acme", left, statuses={rid: done}))
        else:  # no next poll: given up now
            stop = Observations("acme", left, statuses={rid: waiting}, schedule=lambda _: None)
            record(engine, stop)

    # no cohort has samples: the fixed 30 min apply; "slow" is final an hour or more after
    # its first sighting, and sits in an index of its own
    request("slow_since", before - timedelta(hours=2), before + timedelta(hours=1), True)
    request("slow_before", before - timedelta(hours=3), before - timedelta(minutes=10), True)
    request("gave_up_since", before - timedelta(minutes=40), before + timedelta(minutes=30), False)
    request("gave_up_before", before - timedelta(hours=2), before - timedelta(minutes=5), False)
    request("young_gave_up", before - timedelta(minutes=10), before + timedelta(hours=1), False)
    with engine.connect() as conn:
        rows = conn.execute(select(Message.request_id, Message.gave_up_at)).all()
    assert sum(gave_up is not None for _rid, gave_up in rows) == 3
    # late then: slow_since (2 h old), gave_up_since (40 min); young_gave_up was 10 min old
    assert late.late_count(engine, day(LATE_NOW), before, FALLBACK) == 2
    assert late.late_count(engine, day(LATE_NOW), LATE_NOW, FALLBACK) == 0


# -- completion curves --------------------------------------------------------------------


def test_the_kinds_median_request_curve_differs_from_all_its_numbers_pooled(
    engine: Engine,
) -> None:
    def request(rid: str, created: datetime, finals: list[int | None]) -> None:
        listed = RequestRecord(rid, "high", created, None, "MyShop", None, 2)
        numbers = [f"420777{int(rid[1:]) * 100 + i:06d}" for i in range(len(finals))]
        first = created + timedelta(seconds=5)
        pending = {rid: [NumberRecord(n, 2, 1, 1) for n in numbers]}
        record(engine, Observations("acme", first, listed=[listed], statuses=pending))
        for delay in sorted({d for d in finals if d is not None}):
            done = [
                NumberRecord(n, 2, 1, 2) for n, d in zip(numbers, finals, strict=True) if d == delay
            ]
            at = created + timedelta(seconds=delay)
            record(engine, Observations("acme", at, statuses={rid: done}))

    week_ago = LATE_NOW - timedelta(days=3)
    request("a1", week_ago, [60, 60])  # done in a minute
    request("a2", week_ago, [600, 600])  # done in ten
    request("a3", week_ago, [60, None])  # half in a minute, never whole
    request("q9", LATE_NOW - timedelta(minutes=20), [60])
    found = completion.request_completion(engine, day(LATE_NOW), "q9", LATE_NOW)
    assert found is not None and found.cohort_requests == 3
    # Per level, the time by which 2 of the 3 requests had reached it: 10-50 % at 1 min
    # (a1, a3), 60-100 % at 10 min (a1, a2) -- a whole request by 10 min.
    assert list(zip(found.cohort_median["minutes"], found.cohort_median["share"], strict=True)) == [
        (0.0, 0.0),
        (1.0, 0.5),
        (10.0, 1.0),
    ]
    # Pooled, the never-final number holds the kind below 100 %: 3 of 6 by 1 min, 5 by 10.
    assert list(zip(found.cohort["minutes"], found.cohort["share"], strict=True)) == [
        (0.0, 0.0),
        (1.0, 0.5),
        (10.0, 5 / 6),
    ]


def test_a_request_completion_curve_steps_at_each_final_number_beside_its_cohort(
    engine: Engine,
) -> None:
    def request(rid: str, created: datetime, finals: list[int | None]) -> None:
        """Numbers that reach a final receipt the given seconds after creation (None: never)."""
        listed = RequestRecord(rid, "high", created, None, "MyShop", None, 2)
        numbers = [f"420777{i:06d}" for i in range(len(finals))]
        pending = [NumberRecord(n, 2, 1, 1) for n in numbers]
        first = created + timedelta(seconds=5)
        record(engine, Observations("acme", first, listed=[listed], statuses={rid: pending}))
        for delay in sorted({d for d in finals if d is not None}):
            done = [
                NumberRecord(n, 2, 1, 2) for n, d in zip(numbers, finals, strict=True) if d == delay
            ]
            record(
                engine,
                Observations("acme", created + timedelta(seconds=delay), statuses={rid: done}),
            )

    # the cohort, in whole hours of the last week: 10 messages, 5 final at 60 s, 3 at 120 s
    request("old", LATE_NOW - timedelta(days=2), [60] * 5 + [120] * 3 + [None] * 2)
    # the request, in the current hour: 4 numbers, final at 1, 3 and 3 minutes, one not yet
    request("r1", LATE_NOW - timedelta(minutes=20), [60, 180, 180, None])

    found = completion.request_completion(engine, day(LATE_NOW), "r1", LATE_NOW)
    assert found is not None
    assert (found.gateway, found.sender, found.numbers) == ("high", "MyShop", 4)
    assert list(zip(found.request["minutes"], found.request["share"], strict=True)) == [
        (0.0, 0.0),
        (1.0, 0.25),
        (3.0, 0.75),
    ]
    assert found.cohort_messages == 10
    assert list(zip(found.cohort["minutes"], found.cohort["share"], strict=True)) == [
        (0.0, 0.0),
        (1.0, 0.5),
        (2.0, 0.8),
    ]
    # one request in the kind's week: its median request is that request
    assert found.cohort_requests == 1
    assert list(zip(found.cohort_median["minutes"], found.cohort_median["share"], strict=True)) == [
        (0.0, 0.0),
        (1.0, 0.5),
        (2.0, 0.8),
    ]
    assert completion.request_completion(engine, day(LATE_NOW), "nope", LATE_NOW) is None
    other = replace(day(LATE_NOW), account="other")
    assert completion.request_completion(engine, other, "r1", LATE_NOW) is None
