"""Shared fixtures: real database files, and PostgreSQL when SMSDASH_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text

from db.engine import make_engine
from db.migrate import upgrade

PG_URL = os.environ.get("SMSDASH_TEST_POSTGRES_URL")
PG_HINT = (
    "PostgreSQL tests are off: set SMSDASH_TEST_POSTGRES_URL "
    "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run them"
)
ROOT = Path(__file__).resolve().parents[1]


def reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty database of each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'smsdash.db'}"
    if not PG_URL:
        pytest.skip(PG_HINT)
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'smsdash.db'}"


# Hypothesis's per-example deadline measures the machine's load, not the code: a busy CI
# machine made a 200 ms deadline fail an example that takes 5 ms when calm.
hypothesis_settings.register_profile("smsdash", deadline=None)
hypothesis_settings.load_profile("smsdash")
