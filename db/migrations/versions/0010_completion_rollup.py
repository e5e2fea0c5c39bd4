"""Completion rollups (rollup_completion, rollup_completion_day): per-request completion.

Filled from the raw messages once (db.curves.completion_query), then by the write path.

Revision ID: 0010_completion_rollup
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_completion_rollup"
down_revision = "0007"
branch_labels = None
depends_on = None

KEYS = (
    ("account", sa.String(length=64)),
    ("sender", sa.String(length=32)),
    ("gateway", sa.String(length=16)),
    ("level_from", sa.Integer()),
    ("level_to", sa.Integer()),
    ("delay", sa.BigInteger()),
)


def upgrade() -> None:
    for name, time in (("rollup_completion", "hour"), ("rollup_completion_day", "day")):
        op.create_table(
            name,
            sa.Column(time, sa.BigInteger(), autoincrement=False, nullable=False),
            *(sa.Column(k, t, autoincrement=False, nullable=False) for k, t in KEYS),
            sa.Column("requests", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(time, *(k for k, _t in KEYS), name=op.f(f"pk_{name}")),
            sqlite_with_rowid=False,
        )

    from db.days import rebuild_days
    from db.rebuild import rebuild

    rebuild(op.get_bind(), only={"rollup_completion"})
    rebuild_days(op.get_bind(), {"rollup_completion_day"})


def downgrade() -> None:
    op.drop_table("rollup_completion_day")
    op.drop_table("rollup_completion")
