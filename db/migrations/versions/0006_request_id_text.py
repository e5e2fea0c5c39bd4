"""Request ids are opaque text up to 64 characters (the LTS API documents UUIDs).

On SQLite, batch mode rebuilds each table. ``requests`` is the parent of ``messages``, and
with foreign keys enforced (they are, and the pragma cannot change inside the migration's
transaction) dropping the old ``requests`` would orphan every message. So the messages wait
in a holding table while ``requests`` is rebuilt and come back afterwards. Rollups hold no
request ids and are untouched; indexes are rebuilt with their tables.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, nullable); ``messages`` last so that it goes back in after its parent.
TABLES = (("api_calls", True), ("state_changes", False), ("requests", False), ("messages", False))
HOLDING = "_messages_0006"


def _retype(old: int, new: int) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    columns = ", ".join(c["name"] for c in sa.inspect(bind).get_columns("messages"))
    if sqlite:
        op.execute(f"CREATE TABLE {HOLDING} AS SELECT {columns} FROM messages")
        op.execute("DELETE FROM messages")
    for table, nullable in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "request_id",
                existing_type=sa.String(length=old),
                type_=sa.String(length=new),
                existing_nullable=nullable,
            )
    if sqlite:
        op.execute(f"INSERT INTO messages ({columns}) SELECT {columns} FROM {HOLDING}")
        op.execute(f"DROP TABLE {HOLDING}")


def upgrade() -> None:
    _retype(32, 64)


def downgrade() -> None:
    bind = op.get_bind()
    for table, _nullable in TABLES:
        longest = bind.execute(sa.text(f"SELECT MAX(LENGTH(request_id)) FROM {table}")).scalar()
        if longest is not None and longest > 32:
            raise RuntimeError(
                f"cannot downgrade below 0006: {table} holds request ids longer than 32 "
                "characters (UUIDs); delete those rows first"
            )
    _retype(64, 32)
