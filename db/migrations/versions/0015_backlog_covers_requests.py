"""The backlog index carries each message's request, number, creation, gateway and sender:
the incomplete requests read the backlog from it alone, with no lookup of each pending row
in the messages table.

Revision ID: 0015_backlog_covers_requests
Revises: 0014_rollup_outcomes_past_hour
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_backlog_covers_requests"
down_revision = "0014_rollup_outcomes_past_hour"
branch_labels = None
depends_on = None

NON_FINAL = "final_at IS NULL AND gave_up_at IS NULL"
BEFORE = ["first_seen_at", "request_state", "receipt_state"]
# Never changed once written (last_seen_at, changed by every poll, stays out).
COVERED = [*BEFORE, "account", "request_id", "number", "created_at", "gateway", "sender"]


def _replace(columns: list[str]) -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_backlog")
        batch_op.create_index(
            "ix_messages_backlog",
            columns,
            unique=False,
            sqlite_where=sa.text(NON_FINAL),
            postgresql_where=sa.text(NON_FINAL),
        )


def upgrade() -> None:
    _replace(COVERED)


def downgrade() -> None:
    _replace(BEFORE)
