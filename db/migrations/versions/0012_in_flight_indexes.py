"""Indexes for the messages in flight at an earlier moment: slow finals and given-up
messages by when they left, with their first sighting beside it.

Revision ID: 0012_in_flight_indexes
Revises: 0011_message_country
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_in_flight_indexes"
down_revision = "0011_message_country"
branch_labels = None
depends_on = None

SLOW = "final_at IS NOT NULL AND final_at - first_seen_at >= 3600"
GAVE_UP_ONLY = "final_at IS NULL AND gave_up_at IS NOT NULL"


def _gave_up(batch_op: object, columns: list[str]) -> None:
    batch_op.create_index(  # type: ignore[attr-defined]
        "ix_messages_gave_up_at",
        columns,
        unique=False,
        sqlite_where=sa.text(GAVE_UP_ONLY),
        postgresql_where=sa.text(GAVE_UP_ONLY),
    )


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_slow_final",
            ["final_at", "first_seen_at"],
            unique=False,
            sqlite_where=sa.text(SLOW),
            postgresql_where=sa.text(SLOW),
        )
        batch_op.drop_index("ix_messages_gave_up_at")
        _gave_up(batch_op, ["gave_up_at", "first_seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_gave_up_at")
        _gave_up(batch_op, ["gave_up_at"])
        batch_op.drop_index("ix_messages_slow_final")
