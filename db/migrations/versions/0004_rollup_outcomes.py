"""rollup_outcomes: messages by hour, outcome and exit hour, without the two codes.

KPIs, outcomes over time and the backlog's history read it; rollup_messages keeps serving
the code distributions, so its exit-hour index goes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_outcomes",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("exit_hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "account",
            "sender",
            "gateway",
            "status",
            "exit_hour",
            name=op.f("pk_rollup_outcomes"),
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("rollup_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_outcomes_exit", ["exit_hour", "hour", "status", "messages"], unique=False
        )
    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_messages_exit_hour")

    from db.rebuild import rebuild

    rebuild(op.get_bind(), only={"rollup_outcomes"})


def downgrade() -> None:
    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_messages_exit_hour", ["exit_hour"], unique=False)
    with op.batch_alter_table("rollup_outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_outcomes_exit")
    op.drop_table("rollup_outcomes")
