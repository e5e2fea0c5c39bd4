"""Destination country of each message (messages.country) and its rollups.

Existing messages get their country derived in batches (keyset by primary key: a batch costs
the same at the end of a large table as at its start); then rollup_countries and
rollup_countries_day are filled from the raw rows.

Revision ID: 0011_message_country
Revises: 0010_completion_rollup
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_message_country"
down_revision = "0010_completion_rollup"
branch_labels = None
depends_on = None

BATCH = 20_000
KEYS = (
    ("account", sa.String(length=64)),
    ("sender", sa.String(length=32)),
    ("gateway", sa.String(length=16)),
    ("country", sa.String(length=2)),
    ("status", sa.String(length=10)),
    ("delay", sa.BigInteger()),
)
TABLES = {"rollup_countries": "hour", "rollup_countries_day": "day"}


def upgrade() -> None:
    op.add_column("messages", sa.Column("country", sa.String(length=2), nullable=True))
    for name, time in TABLES.items():
        op.create_table(
            name,
            sa.Column(time, sa.BigInteger(), autoincrement=False, nullable=False),
            *(sa.Column(k, t, autoincrement=False, nullable=False) for k, t in KEYS),
            sa.Column("messages", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(time, *(k for k, _t in KEYS), name=op.f(f"pk_{name}")),
            sqlite_with_rowid=False,
        )
    op.create_index(
        "ix_rollup_countries_day_group",
        "rollup_countries_day",
        ["country", "status", "delay", "day", "messages"],
    )
    backfill(op.get_bind())

    from db.rebuild import rebuild

    rebuild(op.get_bind(), only=set(TABLES))


def backfill(conn: sa.Connection) -> None:
    """Derive the country of every message that has none yet, BATCH rows at a time."""
    from db.bulk import update_rows
    from db.country import country_of

    m = sa.table(
        "messages",
        sa.column("account"),
        sa.column("request_id"),
        sa.column("number"),
        sa.column("country"),
    )
    key = (m.c.account, m.c.request_id, m.c.number)
    after: tuple[str, str, str] | None = None
    while True:
        query = sa.select(*key, m.c.country).order_by(*key).limit(BATCH)
        if after is not None:
            query = query.where(sa.tuple_(*key) > sa.tuple_(*after))
        rows = conn.execute(query).all()
        if not rows:
            return
        update_rows(
            conn,
            "messages",
            ["country"],
            ["account", "request_id", "number"],
            [
                {"account": a, "request_id": r, "number": n, "country": country_of(n)}
                for a, r, n, country in rows
                if country is None
            ],
        )
        after = tuple(rows[-1][:3])


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("country")
