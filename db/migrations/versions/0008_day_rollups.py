"""Day rollups (rollup_*_day) for long ranges, and credit samples by time alone.

The day tables are filled from the hourly rollups, which are exact already.

Revision ID: 0008_day_rollups
Revises: 0006
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_day_rollups"
down_revision = "0006"
branch_labels = None
depends_on = None

PLACE = (
    ("account", sa.String(length=64)),
    ("sender", sa.String(length=32)),
    ("gateway", sa.String(length=16)),
)
TABLES: dict[str, tuple[tuple[str, Any], ...]] = {
    "rollup_messages_day": (
        *PLACE,
        ("request_state", sa.Integer()),
        ("receipt_state", sa.Integer()),
        ("status", sa.String(length=10)),
    ),
    "rollup_outcomes_day": (*PLACE, ("status", sa.String(length=10))),
    "rollup_delays_day": (*PLACE, ("measure", sa.String(length=8)), ("delay", sa.BigInteger())),
    "rollup_calls_day": (
        ("account", sa.String(length=64)),
        ("method", sa.String(length=32)),
        ("outcome", sa.String(length=16)),
        ("http_status", sa.Integer()),
        ("error_code", sa.Integer()),
        ("latency_ms", sa.Integer()),
    ),
}


def upgrade() -> None:
    for name, keys in TABLES.items():
        count = "calls" if name == "rollup_calls_day" else "messages"
        op.create_table(
            name,
            sa.Column("day", sa.BigInteger(), autoincrement=False, nullable=False),
            *(sa.Column(k, t, autoincrement=False, nullable=False) for k, t in keys),
            sa.Column(count, sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("day", *(k for k, _t in keys), name=op.f(f"pk_{name}")),
            sqlite_with_rowid=False,
        )
    with op.batch_alter_table("credit_samples", schema=None) as batch_op:
        batch_op.create_index("ix_credit_samples_observed_at", ["observed_at"], unique=False)

    from db.days import rebuild_days

    rebuild_days(op.get_bind(), set(TABLES))


def downgrade() -> None:
    with op.batch_alter_table("credit_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_samples_observed_at")
    for name in TABLES:
        op.drop_table(name)
