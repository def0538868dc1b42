"""Fixtures shared by every suite: the same domain, projection and API tests run on SQLite and on
PostgreSQL. PostgreSQL tests create and drop their own database; with CI=true they must run, and on
a machine without PostgreSQL they skip with the reason."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from psycopg import sql

from api.app import create_app
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.principals import TEST_SECRET
from tests.requirements import missing

PG_ADMIN_DSN = os.environ.get("DSLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_unavailable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {error}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own for this test session (one per xdist worker), dropped at the end."""
    problem = _postgres_unavailable()
    if problem is not None:
        missing("PostgreSQL", problem)
    name = f"dsledger_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def _empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")]
        if tables:
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in tables)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_factory(backend: str, tmp_path: Path, request: pytest.FixtureRequest,
                     ) -> Callable[[], Settings]:
    """Settings for a fresh, empty ledger on the test's backend."""
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"

    def make() -> Settings:
        return Settings(database_url=url, data_dir=tmp_path, jwt_secret=TEST_SECRET)

    return make


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings]) -> Iterator[Runtime]:
    rt = Runtime(settings_factory())
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[object]]:
    with TestClient(app=create_app(runtime)) as test_client:
        yield test_client  # type: ignore[misc]
