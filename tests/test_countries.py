"""Destination countries: derived once at ingest, rolled up, and read per country."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, update

from dashboard.formatting import percent
from dashboard.i18n import t
from db.country import country_of
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.models import Message
from db.read import countries, split
from db.read.filters import Filters
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record
from tests.country_seed import SEED, in_day, seed_countries, truth
from tests.test_dashboard_app import app
from tests.test_rollups import rebuilt, snapshot

NOW = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)


@pytest.fixture(params=[True, False], ids=["rollups", "raw"])
def rollups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(split, "ROLLUPS", request.param)
    return bool(request.param)


def stored(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return {n: c for n, c in conn.execute(select(Message.number, Message.country))}


def day() -> Filters:
    return Filters(NOW - timedelta(hours=24), NOW + timedelta(seconds=1))


def figures(engine: Engine, filters: Filters) -> dict[str, tuple[Any, ...]]:
    table = countries.by_country(engine, filters)
    return {
        row.country: (row.messages, row.delivered, row.failed, row.p50, row.p90)
        for row in table.itertuples()
    }


def test_czech_slovak_and_german_numbers_get_their_country_and_the_rest_zz() -> None:
    assert country_of("420777123456") == "CZ"
    assert country_of("421905123456") == "SK"
    assert country_of("4915112345678") == "DE"
    assert country_of("4930123456") == "DE"
    assert country_of("12025550123") == "US"  # +1 is shared: the whole number decides
    assert country_of("12642351234") == "AI"
    for invalid in ("999123456789", "42077712345", "80012345678", "", "42O777123456", "٤٢٠"):
        assert country_of(invalid) == "ZZ", invalid


def test_the_memo_by_prefix_answers_what_phonenumbers_answers_for_each_number() -> None:
    def direct(number: str) -> str:
        try:
            parsed = phonenumbers.parse("+" + number)
        except phonenumbers.NumberParseException:
            return "ZZ"
        region = phonenumbers.region_code_for_number(parsed)
        possible = phonenumbers.is_possible_number(parsed)
        return region if possible and region and len(region) == 2 else "ZZ"

    pick = random.Random(16)
    numbers = [
        str(code) + "".join(pick.choice("0123456789") for _ in range(pick.randint(4, 13)))
        for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        for _ in range(40)
    ]
    assert [country_of(n) for n in numbers] == [direct(n) for n in numbers]


def test_the_write_path_stores_each_new_messages_country_and_keeps_it(engine: Engine) -> None:
    seed_countries(engine, NOW)
    assert stored(engine) == {s.number: s.country for s in SEED}
    # a later answer about the same numbers leaves the country alone
    with engine.begin() as conn:
        conn.execute(update(Message).where(Message.number == SEED[6].number).values(country="XX"))
    listed = RequestRecord("c6", "high", None, None, "MyShop", None, 2)
    answer = NumberRecord(SEED[6].number, 2, 0, 2)
    record(engine, Observations("acme", NOW, listed=[listed], statuses={"c6": [answer]}))
    assert stored(engine)[SEED[6].number] == "XX"


def test_per_country_figures_equal_the_seeded_truth(engine: Engine, rollups: bool) -> None:
    seed_countries(engine, NOW)
    assert figures(engine, day()) == truth(in_day())
    table = countries.by_country(engine, day())
    assert list(table["country"]) == ["CZ", "SK", "DE", "ZZ"]  # most messages first
    cz = table.iloc[0]
    assert cz["delivered_share"] == pytest.approx(5 / 7)
    assert cz["failed_share"] == pytest.approx(1 / 7)
    assert cz["final"] == 6


def test_a_sender_filter_and_a_longer_range_change_the_country_figures(
    engine: Engine, rollups: bool
) -> None:
    seed_countries(engine, NOW)
    bank = Filters(day().start, day().end, sender="Bank")
    assert figures(engine, bank) == truth(in_day("Bank"))
    week = Filters(NOW - timedelta(days=7), NOW + timedelta(seconds=1))
    assert figures(engine, week) == truth(SEED)


def test_country_rollups_follow_a_creation_time_learnt_after_the_final_state(
    engine: Engine,
) -> None:
    seed_countries(engine, NOW)
    # request c0 turns out to have been created hours before it was first listed
    listed = RequestRecord("c0", "high", NOW - timedelta(hours=3), None, "MyShop", None, 2)
    answer = NumberRecord(SEED[0].number, 2, 0, 2)
    record(engine, Observations("acme", NOW, listed=[listed], statuses={"c0": [answer]}))
    tables = ("countries", "rollup_countries_day")
    incremental = snapshot(engine)
    assert all(incremental[t] for t in tables)
    moved = [r for r in incremental["countries"] if r[4] == "CZ" and r[2] == "MyShop"]
    assert 9000 in {r[6] for r in moved}  # 2.5 h from the new creation time, in its bucket
    # (rollup_delays keeps the delay it first counted: only the country rollups are checked)
    again = rebuilt(engine)
    assert [incremental[t] for t in tables] == [again[t] for t in tables]


def test_upgrading_an_existing_database_derives_every_country_and_fills_the_rollups(
    engine: Engine,
) -> None:
    seed_countries(engine, NOW)
    expected = snapshot(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0010_completion_rollup")
    upgrade(engine)
    assert stored(engine) == {s.number: s.country for s in SEED}
    assert snapshot(engine) == expected
    assert figures(engine, day()) == truth(in_day())


def test_the_backfill_walks_the_table_in_batches_and_fills_only_missing_countries(
    engine: Engine,
) -> None:
    seed_countries(engine, NOW)
    keep = SEED[1].number
    with engine.begin() as conn:
        conn.execute(update(Message).where(Message.number != keep).values(country=None))
        conn.execute(update(Message).where(Message.number == keep).values(country="XX"))
        script = ScriptDirectory.from_config(alembic_config(conn))
        migration = script.get_revision("0011_message_country").module
        migration.BATCH = 3  # more batches than rows per batch
        migration.backfill(conn)
    assert stored(engine) == {s.number: "XX" if s.number == keep else s.country for s in SEED}


@pytest.mark.parametrize(
    ("lang", "names", "ported"),
    [
        ("en", ["Czechia", "Slovakia", "Germany", "Not recognised"], "numbers are ported"),
        ("cs", ["Česko", "Slovensko", "Německo", "Nerozpoznáno"], "čísla se přenášejí"),
    ],
)
def test_the_insights_page_lists_destination_countries_in_each_language(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, lang: str, names: list[str], ported: str
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed_countries(engine, datetime.now(UTC).replace(microsecond=0))
    engine.dispose()
    at = app(sqlite_url, monkeypatch, lang=lang, range="24h")
    at.switch_page("views/insights.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("ins_countries_title", lang) in [s.value for s in at.subheader]
    assert any(ported in c.value for c in at.caption)
    country = t("ins_country", lang)
    table = next(d.value for d in at.dataframe if country in d.value.columns)
    assert list(table[country]) == names
    expected = truth(in_day())
    counts = [str(expected[c][0]) for c in ("CZ", "SK", "DE", "ZZ")]
    assert list(table[t("messages", lang)]) == counts  # as shown: text in the locale's form
    cz = table.iloc[0]
    assert cz[t("ins_delivered_share", lang)] == percent(5 / 7, lang)
    assert cz[t("ins_failed", lang)] == "1"
    # the Czech final delays are 25, 40, 45, 120, 300 and 900 s
    assert (cz[t("ins_final_p50", lang)], cz[t("ins_final_p90", lang)]) == ("45 s", "15 min")
    assert table.iloc[3][t("ins_final_p50", lang)] == "40 s"
