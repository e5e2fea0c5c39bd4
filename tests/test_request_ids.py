"""Opaque request ids (UUIDs, 64 characters) from the simulator through the collector to pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from collector.simulator import Gateway, SimulatorServer
from collector.simulator.gateway import Account
from dashboard import data
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.models import ApiCall, Message, Request, StateChange
from db.read.filters import Filters
from db.read.messages import MessageQuery
from db.records import NumberRecord, Observations, RequestRecord
from db.write import record
from tests.seed import seed
from tests.sim_helpers import make_poller, poll_until_truth
from tests.test_rollups import rebuilt, snapshot

KEY = "ids-key"
NUMBERS = ["420777000000", "420777000011", "420601000010;420601000011"]


class LongIds(Gateway):
    """A gateway whose request ids use all 64 characters."""

    def _new_id(self) -> str:
        return f"{super()._new_id()}-{self._seq:027d}"


def run_collector(gateway: Gateway, engine: Engine) -> None:
    for number in NUMBERS:
        gateway.send(KEY, number, "Objednávka odeslána")
    with SimulatorServer(gateway) as server:
        poller = make_poller(server.url, engine, KEY)
        poll_until_truth(poller, gateway, engine, timeout=60)


def dashboard_rows(db_url: str, request_id: str) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    filters = Filters(now - timedelta(hours=1), now + timedelta(minutes=1))
    query = MessageQuery(filters, request_id=f" {request_id} ")
    rows, _next = data.message_page(db_url, query, None)
    number = str(rows["number"].iloc[0])
    timeline = data.timeline(db_url, "acme", request_id, number)
    csv = data.message_csv(db_url, query).decode()
    return set(rows["request_id"]), data.message_count(db_url, query), len(timeline), csv


@pytest.mark.parametrize(("kind", "length"), [(Gateway, 36), (LongIds, 64)])
def test_long_request_ids_flow_from_the_simulator_through_the_collector_to_the_pages(
    engine: Engine, db_url: str, kind: type[Gateway], length: int
) -> None:
    gateway = kind([Account(KEY)], scale=400, uuid_ids=True, strict=True)
    run_collector(gateway, engine)
    ids = sorted(gateway.requests)
    assert len(ids) == 3 and {len(rid) for rid in ids} == {length}
    uuid.UUID(ids[0][:36])  # the simulator's ids are real UUIDs
    with engine.connect() as conn:
        stored = {
            model.__tablename__: set(conn.scalars(select(model.request_id).distinct()))
            for model in (Request, Message, StateChange)
        }
        polled = set(
            conn.scalars(select(ApiCall.request_id).where(ApiCall.request_id.is_not(None)))
        )
    assert all(found == set(ids) for found in stored.values()), stored
    assert polled == set(ids)
    pair = next(rid for rid in ids if len(gateway.requests[rid].numbers) == 2)
    found, count, changes, csv = dashboard_rows(db_url, pair)
    assert (found, count) == ({pair}, 2)
    assert changes >= 2 and csv.count(pair) == 2


def filled_at(db_url: str, revision: str) -> Engine:
    """The seed, taken back to an older revision (today's write path needs today's tables)."""
    eng = make_engine(db_url)
    upgrade(eng)
    seed(eng)
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
    return eng


def head(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(ScriptDirectory.from_config(alembic_config(conn)).get_current_head())


def version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(text("SELECT version_num FROM alembic_version")))


def raw_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            model.__tablename__: sorted(map(tuple, conn.execute(select(model.__table__))))
            for model in (Request, Message, StateChange, ApiCall)
        }


def indexes(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    inspector = inspect(engine)
    return {
        table: sorted((i["name"], tuple(i["column_names"]), i["unique"]) for i in found)
        for table in ("requests", "messages", "state_changes", "api_calls")
        if (found := inspector.get_indexes(table)) is not None
    }


def long_id_observation(rid: str) -> Observations:
    now = datetime.now(UTC)
    listed = RequestRecord(rid, "high", now, None, "MyShop", 1, 1)
    return Observations(
        "acme", now, listed=[listed], statuses={rid: [NumberRecord("420777000123", 1, 1, 1)]}
    )


def test_upgrading_a_filled_0005_database_keeps_every_row_index_and_rollup(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    seed(engine)
    rows, rollups, named = raw_tables(engine), snapshot(engine), indexes(engine)
    assert rows["messages"] and rows["state_changes"] and rows["api_calls"]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    assert version(engine) == "0005"
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError), engine.begin() as conn:  # the reason for 0006
            conn.execute(
                text(
                    "INSERT INTO requests (account, request_id, first_seen_at, last_seen_at) "
                    "VALUES ('acme', :rid, 0, 0)"
                ),
                {"rid": "x" * 33},
            )
    upgrade(engine)
    assert raw_tables(engine) == rows
    assert snapshot(engine) == rollups == rebuilt(engine)
    assert indexes(engine) == named
    assert version(engine) == head(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert (
                conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name LIKE '_%0006'"))
                == 0
            )
    longest = "f" * 64
    record(engine, long_id_observation(longest))
    with engine.connect() as conn:
        assert conn.scalar(select(Message.number).where(Message.request_id == longest))
    engine.dispose()


def test_the_foreign_key_from_messages_to_requests_survives_the_rebuild(db_url: str) -> None:
    engine = filled_at(db_url, "0005")
    upgrade(engine)
    orphan = {"account": "acme", "request_id": "no-such-request", "number": "420777000999"}
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO messages (account, request_id, number, first_seen_at) "
                "VALUES (:account, :request_id, :number, 0)"
            ),
            orphan,
        )
    engine.dispose()


def test_downgrading_refuses_while_ids_longer_than_32_characters_are_stored(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    seed(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")  # short ids only: it goes back
    upgrade(engine)
    record(engine, long_id_observation(str(uuid.uuid4())))
    before = version(engine)
    with pytest.raises(RuntimeError, match="longer than 32"), engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    assert version(engine) == before == head(engine)  # nothing of the downgrade kept
    engine.dispose()


def timeline_page(url: str, rid: str) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from dashboard import widgets
    from dashboard.controls import View
    from db.read.filters import Filters

    now = datetime.now(UTC)
    span = timedelta(hours=1)
    view = View(Filters(now - span, now), "en", False, 0, ZoneInfo("UTC"), now, span)
    widgets.timeline(view, "acme", rid, "420777000123")


def test_a_request_id_is_shown_in_the_timeline_as_text_never_as_markup(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = "*[click](https://evil.invalid)*<b>"
    engine = make_engine(sqlite_url)
    upgrade(engine)
    record(engine, long_id_observation(rid))
    engine.dispose()
    monkeypatch.setenv("SMSDASH_DATABASE_URL", sqlite_url)
    at = AppTest.from_function(timeline_page, args=(sqlite_url, rid), default_timeout=60).run()
    assert not at.exception
    assert at.text[0].value == f"{rid} · 420 777 ••• 123"
    assert all(rid not in m.value and "evil" not in m.value for m in at.markdown)
    assert len(at.dataframe) == 1
