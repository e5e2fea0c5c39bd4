"""PostgreSQL roles: a SELECT-only reader for the dashboard; what a login could write."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# What `init-db --create-reader` runs (README: "Putting the dashboard on a network").
READER_SQL = """\
GRANT CONNECT ON DATABASE {database} TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role};
ALTER ROLE {role} SET default_transaction_read_only = on;
"""

# Why a login could change data: superuser, role creation (it could grant itself more), a
# table it owns (an owner may grant itself anything), a write privilege on any table, or
# CREATE on the schema. default_transaction_read_only does not count: SET undoes it.
WRITE_CHECKS = """
SELECT 'superuser' FROM pg_roles WHERE rolname = current_user AND rolsuper
UNION ALL
SELECT 'may create roles' FROM pg_roles WHERE rolname = current_user AND rolcreaterole
UNION ALL
SELECT 'owns ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
   AND pg_has_role(current_user, c.relowner, 'USAGE')
UNION ALL
SELECT p.privilege || ' on ' || c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(privilege)
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
   AND has_table_privilege(current_user, c.oid, p.privilege)
UNION ALL
SELECT 'CREATE on schema ' || current_schema()
 WHERE has_schema_privilege(current_user, current_schema(), 'CREATE')
"""


class RoleError(ValueError):
    """The reader role cannot be created as asked."""


def write_risks(engine: Engine, limit: int = 5) -> list[str]:
    """Reasons this engine's login could write (empty: it cannot); SQLite opens read-only."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        rows = [str(r[0]) for r in conn.execute(text(WRITE_CHECKS))]
    # The first few name the problem; hundreds of "INSERT on …" lines would not help.
    return rows[:limit] + ([f"{len(rows) - limit} more"] if len(rows) > limit else [])


def reader_statements(role: str, database: str, password: str | None) -> list[str]:
    """The SQL that creates (or updates) a login that may only SELECT."""
    if not ROLE_NAME.match(role):
        raise RoleError(
            f"--create-reader: {role!r} is not a plain role name (lower-case letters, digits, _)"
        )
    quoted_db = '"' + database.replace('"', '""') + '"'
    login = "LOGIN"
    if password is not None:
        # Role passwords cannot be bind parameters; a string literal with quotes doubled
        # (standard_conforming_strings is on in every supported PostgreSQL).
        login += " PASSWORD '" + password.replace("'", "''") + "'"
    create = (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
    )
    return [
        create,
        f"ALTER ROLE {role} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
        *[
            line.rstrip(";")
            for line in READER_SQL.format(database=quoted_db, role=role).splitlines()
        ],
    ]


def create_reader(engine: Engine, role: str, password: str | None = None) -> None:
    if engine.dialect.name != "postgresql":
        raise RoleError("--create-reader needs PostgreSQL (SQLite is opened read-only anyway)")
    with engine.begin() as conn:
        database = str(conn.execute(text("SELECT current_database()")).scalar_one())
        # The driver's own cursor without parameters: a '%' in the password stays literal.
        cursor = conn.connection.cursor()
        for statement in reader_statements(role, database, password):
            cursor.execute(statement)
        cursor.close()
