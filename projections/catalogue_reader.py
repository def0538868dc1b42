"""The catalogue as a procurement's evidence search sees it: each answer read in one consistent
snapshot, so the results recorded are exactly the catalogue as of the position recorded."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select, union

from domain.search import SearchConditions, SearchSnapshot
from projections.catalogue_search import search_catalogue
from projections.tables import catalogue_services


class CatalogueReader:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def search(self, conditions: SearchConditions) -> SearchSnapshot:
        with self.db.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            return search_catalogue(conn, conditions, limit=None)

    def registered_names(self) -> set[str]:
        """Every provider and service name the support system has published, whatever the
        service's status: naming any of them in a search is forbidden."""
        table = catalogue_services
        with self.db.connect() as conn:
            rows = conn.execute(union(select(table.c.name), select(table.c.provider_name)))
            return {str(row[0]) for row in rows}


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
