"""PostgreSQL engines: no ping per checkout, yet a connection the server dropped is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from db import engine as engine_module
from db.engine import make_engine, make_readonly_engine
from tests.conftest import PG_HINT, PG_URL, reset_postgres


@pytest.fixture
def pg_url() -> str:
    if not PG_URL:
        pytest.skip(PG_HINT)
    reset_postgres(PG_URL)
    return PG_URL


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_busy_pooled_connection_is_reused_without_a_ping(pg_url: str) -> None:
    engine = make_readonly_engine(pg_url)
    pids = {backend_pid(engine) for _ in range(20)}
    assert len(pids) == 1
    assert engine.pool.checkedout() == 0
    engine.dispose()


@pytest.mark.parametrize("factory", [make_engine, make_readonly_engine])
def test_a_connection_the_server_dropped_while_idle_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, factory: object
) -> None:
    engine = factory(pg_url)  # type: ignore[operator]
    first = backend_pid(engine)
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    second = backend_pid(engine)  # no error: the idle check found it dead and reconnected
    assert second != first
    engine.dispose()


def test_options_in_the_url_are_kept_by_the_read_only_engine(pg_url: str) -> None:
    engine = make_readonly_engine(pg_url + "?options=-c%20search_path%3Dpg_catalog")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW search_path")).scalar_one() == "pg_catalog"
        assert conn.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
    engine.dispose()
