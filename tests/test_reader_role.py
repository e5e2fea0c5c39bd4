"""PostgreSQL: the reader role can only SELECT; the health page knows when a login could write."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from streamlit.testing.v1 import AppTest

from collector.__main__ import main
from db.engine import make_engine, make_readonly_engine
from db.roles import RoleError, reader_statements, write_risks
from tests.conftest import PG_HINT, PG_URL, ROOT, reset_postgres
from tests.seed import seed

ROLE = f"smsdash_test_reader_{os.getpid()}"


def drop_role(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).first():
            conn.execute(text(f"DROP OWNED BY {ROLE}"))
            conn.execute(text(f"DROP ROLE {ROLE}"))
    engine.dispose()


@pytest.fixture
def reader_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not PG_URL:
        pytest.skip(PG_HINT)
    reset_postgres(PG_URL)
    drop_role(PG_URL)
    engine = make_engine(PG_URL)
    monkeypatch.setenv("SMSDASH_READER_PASSWORD", "it's 100% secret")
    assert main(["init-db", "--database-url", PG_URL, "--create-reader", ROLE]) == 0
    seed(engine)  # tables and rows written after the grant are readable too
    engine.dispose()
    yield (
        make_url(PG_URL)
        .set(username=ROLE, password="it's 100% secret")
        .render_as_string(hide_password=False)
    )
    drop_role(PG_URL)


def test_the_reader_role_cannot_write_even_after_set_transaction_read_write(
    reader_url: str,
) -> None:
    engine = make_readonly_engine(reader_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar_one() > 0
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    for statement in (
        "INSERT INTO credit_samples (account, observed_at, credit) VALUES ('x', 1, 1)",
        "UPDATE messages SET sender = 'x'",
        "DELETE FROM api_calls",
        "TRUNCATE rollup_calls",
        "CREATE TABLE public.sneaky (id int)",
    ):
        with engine.connect() as conn:
            conn.exec_driver_sql("SET TRANSACTION READ WRITE")
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.exec_driver_sql(statement)
    assert write_risks(engine) == []
    engine.dispose()
    collector = make_readonly_engine(PG_URL)
    risks = write_risks(collector)
    assert risks and risks[0] == "superuser"
    collector.dispose()


def test_the_reader_roles_privileges_are_exactly_select(reader_url: str) -> None:
    engine = make_engine(PG_URL)
    with engine.connect() as conn:
        privileges = set(
            conn.execute(
                text(
                    "SELECT DISTINCT privilege_type FROM information_schema.role_table_grants "
                    "WHERE grantee = :r"
                ),
                {"r": ROLE},
            ).scalars()
        )
        flags = conn.execute(
            text(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolinherit, rolcanlogin "
                "FROM pg_roles WHERE rolname = :r"
            ),
            {"r": ROLE},
        ).one()
    engine.dispose()
    assert privileges == {"SELECT"}
    assert tuple(flags) == (False, False, False, False, True)


def health(url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SMSDASH_DATABASE_URL", PG_URL or "")
    monkeypatch.setenv("SMSDASH_DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page("views/health.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_health_page_warns_only_when_the_dashboard_could_write(
    reader_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = health(reader_url, monkeypatch)
    assert not [w for w in quiet.warning if "could write" in w.value]
    loud = health(PG_URL or "", monkeypatch)
    assert [w for w in loud.warning if "could write" in w.value]
    assert any(t.value.startswith("superuser") for t in loud.text)


def test_a_role_name_that_is_not_plain_is_refused() -> None:
    with pytest.raises(RoleError):
        reader_statements('x"; DROP TABLE messages; --', "smsdash", None)
    statements = reader_statements("reader", 'odd"db', "it's")
    assert "PASSWORD 'it''s'" in statements[1]
    assert 'DATABASE "odd""db"' in statements[2]
