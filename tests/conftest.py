"""Fixtures shared by every suite: the same domain, projection and API tests run on SQLite and on
PostgreSQL. PostgreSQL tests create and drop their own database; with CI=true they must run, and on
a machine without PostgreSQL they skip with the reason."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient
from psycopg import sql

from api.app import create_app
from domain.actor import Actor, CommandContext, Role
from domain.ledger import Ledger
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.principals import TEST_AGENCIES, TEST_SECRET
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


def register_test_agency(ledger: Ledger, agency_id: str, at: datetime) -> None:
    """The operator registers one of the tests' agencies (tests.principals.TEST_AGENCIES)."""
    agency = TEST_AGENCIES[agency_id]
    operator = CommandContext(actor=Actor(principal_id="nia-officer-1", role=Role.OPERATOR),
                              correlation_id=f"register-{agency_id}", at=at)
    ledger.register_agency(operator, agency_id=agency.agency_id, code=agency.code,
                           name_ko=agency.name_ko, name_en=agency.name_en, kind=agency.kind,
                           region=agency.region)


@pytest.fixture(scope="session", autouse=True)
def agencies_registered_when_first_used() -> Iterator[None]:
    """A procurement is only opened for an agency of the directory (agency.not-registered). The
    scenarios open theirs as AG-SEOUL or AG-BUSAN without saying so, so for every ledger of the
    test session the operator registers such an agency just before its first procurement, at the
    same moment: only the scenarios that open procurements record the registration (two events:
    the agency and the claim of its code), and log positions before that point stay as they were.
    An agency outside TEST_AGENCIES is left unregistered, so the refusal is tested as it happens.
    (Processes a test starts run the real ledger: their scenarios register their agencies.)"""
    opening = Ledger.open_procurement

    def open_procurement(self: Ledger, context: CommandContext, *, agency_id: str,
                         **kwargs: Any) -> Any:
        if agency_id in TEST_AGENCIES and self.registered_agency(agency_id) is None:
            register_test_agency(self, agency_id, context.at)
        return opening(self, context, agency_id=agency_id, **kwargs)

    Ledger.open_procurement = open_procurement  # type: ignore[method-assign]
    yield
    Ledger.open_procurement = opening  # type: ignore[method-assign]


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings]) -> Iterator[Runtime]:
    rt = Runtime(settings_factory())
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[object]]:
    with TestClient(app=create_app(runtime)) as test_client:
        yield test_client  # type: ignore[misc]
