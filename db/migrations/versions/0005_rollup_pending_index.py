"""A partial covering index on the rollup rows still in the backlog (exit_hour = -1).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_messages_pending",
            ["hour", "messages"],
            unique=False,
            sqlite_where=sa.text("exit_hour = -1"),
            postgresql_where=sa.text("exit_hour = -1"),
        )


def downgrade() -> None:
    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_rollup_messages_pending",
            sqlite_where=sa.text("exit_hour = -1"),
            postgresql_where=sa.text("exit_hour = -1"),
        )
