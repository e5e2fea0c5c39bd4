"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_calls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_calls")),
    )
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_api_calls_outcome_started_at", ["outcome", "started_at"], unique=False
        )
        batch_op.create_index("ix_api_calls_started_at", ["started_at"], unique=False)

    op.create_table(
        "credit_samples",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("observed_at", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_samples")),
    )
    with op.batch_alter_table("credit_samples", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_samples_account_observed_at", ["account", "observed_at"], unique=False
        )

    op.create_table(
        "error_codes",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("meaning_en", sa.Text(), nullable=False),
        sa.Column("meaning_cs", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("retryable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_error_codes")),
    )
    op.create_table(
        "receipt_codes",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=True),
        sa.Column("meaning_en", sa.Text(), nullable=False),
        sa.Column("meaning_cs", sa.Text(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_receipt_codes")),
    )
    op.create_table(
        "request_state_codes",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=True),
        sa.Column("meaning_en", sa.Text(), nullable=False),
        sa.Column("meaning_cs", sa.Text(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_request_state_codes")),
    )
    op.create_table(
        "requests",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=True),
        sa.Column("sender", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("request_state", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("final_at", sa.BigInteger(), nullable=True),
        sa.Column("next_poll_at", sa.BigInteger(), nullable=True),
        sa.Column("gave_up_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("account", "request_id", name=op.f("pk_requests")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_requests_unresolved",
            ["next_poll_at"],
            unique=False,
            sqlite_where=sa.text("gave_up_at IS NULL"),
            postgresql_where=sa.text("gave_up_at IS NULL"),
        )

    op.create_table(
        "state_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("old_code", sa.Integer(), nullable=True),
        sa.Column("new_code", sa.Integer(), nullable=True),
        sa.Column("observed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_changes")),
    )
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_state_changes_message",
            ["account", "request_id", "number", "observed_at"],
            unique=False,
        )
        batch_op.create_index("ix_state_changes_observed_at", ["observed_at"], unique=False)

    op.create_table(
        "messages",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=True),
        sa.Column("sender", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=True),
        sa.Column("request_state", sa.Integer(), nullable=True),
        sa.Column("receipt_state", sa.Integer(), nullable=True),
        sa.Column("expected_receipts", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("final_at", sa.BigInteger(), nullable=True),
        sa.Column("next_poll_at", sa.BigInteger(), nullable=True),
        sa.Column("gave_up_at", sa.BigInteger(), nullable=True),
        sa.Column("poll_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["account", "request_id"],
            ["requests.account", "requests.request_id"],
            name=op.f("fk_messages_account_requests"),
        ),
        sa.PrimaryKeyConstraint("account", "request_id", "number", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_backlog",
            ["next_poll_at"],
            unique=False,
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )
        batch_op.create_index("ix_messages_final_at", ["final_at"], unique=False)
        batch_op.create_index("ix_messages_first_seen_at", ["first_seen_at"], unique=False)
        batch_op.create_index(
            "ix_messages_sender_first_seen_at", ["sender", "first_seen_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_sender_first_seen_at")
        batch_op.drop_index("ix_messages_first_seen_at")
        batch_op.drop_index("ix_messages_final_at")
        batch_op.drop_index(
            "ix_messages_backlog",
            sqlite_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=sa.text("final_at IS NULL AND gave_up_at IS NULL"),
        )

    op.drop_table("messages")
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_state_changes_observed_at")
        batch_op.drop_index("ix_state_changes_message")

    op.drop_table("state_changes")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_requests_unresolved",
            sqlite_where=sa.text("gave_up_at IS NULL"),
            postgresql_where=sa.text("gave_up_at IS NULL"),
        )
        batch_op.drop_index("ix_requests_created_at")

    op.drop_table("requests")
    op.drop_table("request_state_codes")
    op.drop_table("receipt_codes")
    op.drop_table("error_codes")
    with op.batch_alter_table("credit_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_samples_account_observed_at")

    op.drop_table("credit_samples")
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_api_calls_started_at")
        batch_op.drop_index("ix_api_calls_outcome_started_at")

    op.drop_table("api_calls")
