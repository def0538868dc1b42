"""Only one scheduler sweeps at a time. On PostgreSQL the leader holds a session advisory lock on
a connection of its own: when its process dies the connection closes, the lock is released, and
another scheduler takes over on its next tick. On SQLite (one machine) a file lock does the same."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Any

import psycopg

from dsledger.settings import Settings

# Any fixed number: the same in every dsledger scheduler on one database.
SCHEDULER_LOCK = 0x64736C5F73636864


class Leadership:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[Any] | None = None
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        if self._conn is not None:
            if self._conn.closed:
                self._conn = None
                return False
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error:
                self.release()
                return False
            return True
        return self._file is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if self.settings.is_postgres:
            conn = psycopg.connect(self.settings.libpq_dsn(), autocommit=True)
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (SCHEDULER_LOCK,)).fetchone()
            if row is not None and row[0]:
                self._conn = conn
                return True
            conn.close()
            return False
        path = Path(self.settings.data_dir) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
