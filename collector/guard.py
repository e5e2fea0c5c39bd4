"""One collector per account and database, and a SQLite file that stays the one opened."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
from typing import IO

from sqlalchemy import Connection, Engine, text

from collector.errors import AlreadyRunning, DatabaseError
from db.engine import describe_url

log = logging.getLogger(__name__)


def lock_key(account: str) -> int:
    """A signed 64-bit advisory-lock key for the account."""
    digest = hashlib.sha256(f"smsdash-collector:{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class CollectorLock:
    """Held for the collector's lifetime; the OS or the server drops it if the process dies.

    SQLite: an flock on ``<database>.<account>.lock`` next to the file.
    PostgreSQL: a session advisory lock on a connection kept open.
    """

    def __init__(self, engine: Engine, account: str) -> None:
        self.engine = engine
        self.account = account
        self._file: IO[str] | None = None
        self._conn: Connection | None = None

    def acquire(self) -> None:
        where = describe_url(self.engine.url)
        busy = (
            f"another collector already polls account {self.account!r} into {where}; "
            "stop it first (one collector per account and database)"
        )
        if self.engine.dialect.name == "sqlite":
            path = self.lock_path()
            handle = open(path, "a+")  # noqa: SIM115 - held open until release()
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise AlreadyRunning(f"{busy} (lock file {path})") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._file = handle
            return
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(self.account)}
        ).scalar_one()
        if not got:
            conn.close()
            raise AlreadyRunning(busy)
        self._conn = conn

    def lock_path(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9_-]", "_", self.account)[:32]
        tag = hashlib.sha256(self.account.encode()).hexdigest()[:8]
        return f"{os.path.abspath(self.engine.url.database or '')}.{slug}-{tag}.lock"

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class FileWatch:
    """Notices a SQLite file deleted or replaced under the running collector.

    SQLite keeps writing into the unlinked file through its open descriptor, so
    every cycle would look successful while nothing reaches the new path.
    """

    def __init__(self, engine: Engine) -> None:
        self.path = os.path.abspath(engine.url.database or "")
        self.identity = self._identity()

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (stat.st_dev, stat.st_ino)

    def check(self) -> None:
        now = self._identity()
        if now is None:
            raise DatabaseError(
                f"the database file {self.path} was deleted while the collector ran; stopping "
                "(start the collector again to create a new one)"
            )
        if now != self.identity:
            raise DatabaseError(
                f"the database file {self.path} was replaced by another file while the "
                "collector ran; stopping (start the collector again to use the new file)"
            )


def watch(engine: Engine) -> FileWatch | None:
    return FileWatch(engine) if engine.dialect.name == "sqlite" else None
