"""Alembic environment for dsledger's read models (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, create_engine

from alembic import context
from dsledger.settings import Settings
from projections.tables import metadata

config = context.config


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Only the tables dsledger defines: the event store's tables (eventsourcing) and any job
    store tables (APScheduler) are created and owned by those libraries, never by a migration."""
    if type_ == "table":
        return name in metadata.tables
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().sqlalchemy_url()
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().sqlalchemy_url()
    context.configure(url=url, target_metadata=metadata, include_name=include_name,
                      literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
