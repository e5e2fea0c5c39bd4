"""The backlog's history reads rollup_outcomes by exit hour through a partial index of the
rows still in the backlog past their own hour: the rows that left within it never count.

Revision ID: 0014_rollup_outcomes_past_hour
Revises: 0013_unresolved_requests_due
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_rollup_outcomes_past_hour"
down_revision = "0013_unresolved_requests_due"
branch_labels = None
depends_on = None

COLUMNS = ["exit_hour", "hour", "status", "messages"]
PAST_HOUR = "exit_hour <> hour"


def upgrade() -> None:
    with op.batch_alter_table("rollup_outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_outcomes_exit")
        batch_op.create_index(
            "ix_rollup_outcomes_past_hour",
            COLUMNS,
            unique=False,
            sqlite_where=sa.text(PAST_HOUR),
            postgresql_where=sa.text(PAST_HOUR),
        )


def downgrade() -> None:
    with op.batch_alter_table("rollup_outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_outcomes_past_hour")
        batch_op.create_index("ix_rollup_outcomes_exit", COLUMNS, unique=False)
