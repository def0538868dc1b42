"""Bring the read-model schema to the newest alembic revision (the service does this on start)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, text

from alembic import command

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"
# Any fixed number: it only has to be the same for every dsledger process on one database.
_MIGRATION_LOCK = 0x64736C6564676572


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return config


def migrate(db: Engine) -> None:
    config = alembic_config()
    with db.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several API workers may start at once; one migrates, the others wait and find
            # nothing left to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
