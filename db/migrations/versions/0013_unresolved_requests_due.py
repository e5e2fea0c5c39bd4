"""The requests still polled only in ix_requests_unresolved: once a request's polling ends
(next_poll_at NULL) its row leaves the index instead of staying in it for good.

Every read of the index asks for next_poll_at <= now, which implies next_poll_at IS NOT
NULL on both engines, so the same queries use the smaller index; a request turning final
no longer writes an index entry nobody reads.

Revision ID: 0013_unresolved_requests_due
Revises: 0012_in_flight_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_unresolved_requests_due"
down_revision = "0012_in_flight_indexes"
branch_labels = None
depends_on = None

BEFORE = "gave_up_at IS NULL"
AFTER = "gave_up_at IS NULL AND next_poll_at IS NOT NULL"


def _unresolved(condition: str) -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_unresolved")
        batch_op.create_index(
            "ix_requests_unresolved",
            ["next_poll_at"],
            unique=False,
            sqlite_where=sa.text(condition),
            postgresql_where=sa.text(condition),
        )


def upgrade() -> None:
    _unresolved(AFTER)


def downgrade() -> None:
    _unresolved(BEFORE)
