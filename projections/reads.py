"""Reads of the views that are one statement each: on PostgreSQL in autocommit."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine

_SINGLE_STATEMENT: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def single_statement_reads(db: Engine) -> Engine:
    """``db`` (same pool) for reads that are one statement each, or whose statements need not
    agree with one another: on PostgreSQL in autocommit, which spares each read the BEGIN and the
    ROLLBACK around it, two of its round trips. A single statement sees one snapshot either way.
    SQLite keeps ``db`` as it is: its engine begins every transaction itself (``make_engine``)."""
    if db.dialect.name != "postgresql":
        return db
    reads = _SINGLE_STATEMENT.get(db)
    if reads is None:
        reads = _SINGLE_STATEMENT[db] = db.execution_options(isolation_level="AUTOCOMMIT")
    return reads
