"""Bring the read-model schema to the newest alembic revision (the service does this on start),
under the lock every process holds while it sets up the schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, text

from alembic import command

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"
# Any fixed number: it only has to be the same for every dsledger process on one database.
_SCHEMA_LOCK = 0x64736C6564676572


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return config


@contextmanager
def schema_lock(db: Engine) -> Iterator[None]:
    """Held while a process sets up the schema: alembic's read models and the event store's
    tables, which the eventsourcing library creates on every start. Several processes may start at
    once (API workers, a rebuild's group processes); one sets up, the others wait and find nothing
    left to do. Running the same DDL together, PostgreSQL may refuse one of them ("tuple
    concurrently updated"). SQLite's own file lock already takes the writers one at a time."""
    if db.dialect.name != "postgresql":
        yield
        return
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SCHEMA_LOCK})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SCHEMA_LOCK})


def migrate(db: Engine) -> None:
    """Upgrade to the newest revision; the caller holds :func:`schema_lock`."""
    config = alembic_config()
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
