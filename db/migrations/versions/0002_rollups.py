"""Rollup tables for the dashboard; the backlog index serves oldest-first reads.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filter_values",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("account", "sender", "gateway", name=op.f("pk_filter_values")),
    )
    op.create_table(
        "rollup_calls",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("error_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("latency_ms", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "account",
            "method",
            "outcome",
            "http_status",
            "error_code",
            "latency_ms",
            name=op.f("pk_rollup_calls"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_delays",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("delay", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "account",
            "sender",
            "gateway",
            "measure",
            "delay",
            name=op.f("pk_rollup_delays"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_messages",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("request_state", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("receipt_state", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("exit_hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "account",
            "sender",
            "gateway",
            "request_state",
            "receipt_state",
            "status",
            "exit_hour",
            name=op.f("pk_rollup_messages"),
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_messages_exit_hour", ["exit_hour"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_messages_backlog"),
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )
        batch_op.create_index(
            "ix_messages_backlog",
            ["first_seen_at", "request_state", "receipt_state"],
            unique=False,
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_final_at")
        batch_op.create_index(
            "ix_messages_final_at",
            ["final_at"],
            unique=False,
            sqlite_where=sa.text("final_at IS NOT NULL"),
            postgresql_where=sa.text("final_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_messages_backlog_sender",
            ["sender", "first_seen_at", "request_state", "receipt_state"],
            unique=False,
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )
        batch_op.create_index(
            "ix_messages_gave_up_at",
            ["gave_up_at"],
            unique=False,
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NOT NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NOT NULL"),
        )

    # Existing databases get their rollups filled from the raw tables once.
    from db.rebuild import rebuild

    rebuild(
        op.get_bind(),
        only={"rollup_messages", "rollup_delays", "rollup_calls", "filter_values"},
    )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_gave_up_at")
        batch_op.drop_index("ix_messages_backlog_sender")
        batch_op.drop_index("ix_messages_final_at")
        batch_op.create_index("ix_messages_final_at", ["final_at"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_messages_backlog",
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_messages_backlog"),
            ["next_poll_at"],
            unique=False,
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )

    with op.batch_alter_table("rollup_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_messages_exit_hour")

    op.drop_table("rollup_messages")
    op.drop_table("rollup_delays")
    op.drop_table("rollup_calls")
    op.drop_table("filter_values")
