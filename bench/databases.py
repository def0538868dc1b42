"""The databases a benchmark run owns: one PostgreSQL database ``dsledger_bench_<random>`` and one
SQLite file in a temporary directory, both emptied between benchmarks and dropped at the end."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from dsledger.runtime import Runtime
from dsledger.settings import Settings

POSTGRES = "postgresql"
SQLITE = "sqlite"
ADMIN_DSN = os.environ.get("DSLEDGER_BENCH_PG") or os.environ.get(
    "DSLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


class BenchDatabases:
    def __init__(self, admin_dsn: str = ADMIN_DSN) -> None:
        self.admin_dsn = admin_dsn
        self.workdir = Path(tempfile.mkdtemp(prefix="dsledger-bench-"))
        self.sqlite_path = self.workdir / "bench.sqlite3"
        self.jwt_secret = secrets.token_urlsafe(48)
        self.pg_name: str | None = None
        self.pg_problem: str | None = None
        try:
            with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3) as conn:
                name = f"dsledger_bench_{uuid.uuid4().hex[:10]}"
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.pg_name = name
                self.pg_settings = {
                    key: str(conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(key)))
                             .fetchone()[0])  # type: ignore[index]
                    for key in ("server_version", "fsync", "synchronous_commit",
                                "shared_buffers", "max_connections")
                }
        except psycopg.Error as error:
            self.pg_problem = f"PostgreSQL is not reachable at {admin_dsn}: {error}"
            self.pg_settings = {}

    @property
    def backends(self) -> list[str]:
        return [POSTGRES, SQLITE] if self.pg_name else [SQLITE]

    @property
    def pg_url(self) -> str:
        assert self.pg_name is not None, self.pg_problem
        return f"{self.admin_dsn.rsplit('/', 1)[0]}/{self.pg_name}"

    def url(self, backend: str) -> str:
        return self.pg_url if backend == POSTGRES else f"sqlite:///{self.sqlite_path}"

    def settings(self, backend: str) -> Settings:
        return Settings(database_url=self.url(backend), data_dir=self.workdir,
                        jwt_secret=self.jwt_secret)

    def sqlite_file(self, name: str) -> Path:
        """Another SQLite file beside the ledger's, on the same disk: the eventsourcing library
        names its SQLite table ``stored_events`` whatever the application, so a second
        application needs a file of its own."""
        return self.workdir / f"{name}.sqlite3"

    def reset(self, backend: str) -> None:
        """Empty the database: every table of the event store and the views goes."""
        if backend == POSTGRES:
            with psycopg.connect(self.pg_url, autocommit=True) as conn:
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")
        else:
            for path in self.workdir.glob("*.sqlite3*"):
                path.unlink(missing_ok=True)

    @contextmanager
    def runtime(self, backend: str, *, fresh: bool = True) -> Iterator[Runtime]:
        """dsledger's own composition root on an empty database (unless ``fresh=False``)."""
        if fresh:
            self.reset(backend)
        runtime = Runtime(self.settings(backend))
        try:
            yield runtime
        finally:
            runtime.close()

    def close(self) -> None:
        if self.pg_name is not None:
            with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.pg_name)))
            self.pg_name = None
        shutil.rmtree(self.workdir, ignore_errors=True)
