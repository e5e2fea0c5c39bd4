"""The backlog's history over the last hour reads the messages final since its start by
their final_at index, not everything first seen before its end (SQLite's plan)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event

from db.engine import make_engine
from db.migrate import upgrade
from db.read import history
from db.read.filters import Filters
from tests.seed import seed

STATS_10M = {
    "ix_messages_gave_up_at": "193333 1 1",
    "ix_messages_slow_final": "100000 1 1",
    "ix_messages_backlog": "6667 1 1 1 1 1 1 1 1 1",
    "ix_messages_backlog_sender": "6667 1334 1 1 1",
    "ix_messages_sender_first_seen_at": "10000000 2000000 2",
    "ix_messages_first_seen_at": "10000000 2",
    "ix_messages_final_at": "9800000 2",
    "sqlite_autoindex_messages_1": "10000000 10000000 2 1",
}


def test_the_last_hours_history_finds_its_final_messages_by_when_they_left(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    now = seed(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        # the statistics of the synthetic 10M database, where the planner went wrong
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'messages'")
        for index, stat in STATS_10M.items():
            conn.exec_driver_sql(
                "INSERT INTO sqlite_stat1 VALUES ('messages', ?, ?)", (index, stat)
            )
    engine.dispose()  # statistics are read when a connection opens
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        history.backlog_history(engine, Filters(now - timedelta(hours=1), now), 300, "UTC")
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    final_since = [(s, p) for s, p in statements if "messages.final_at >=" in s]
    assert final_since, statements
    with engine.connect() as conn:
        for statement, parameters in final_since:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "ix_messages_final_at" in details, details
    engine.dispose()
