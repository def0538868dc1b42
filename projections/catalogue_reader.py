"""The catalogue as a procurement's evidence search sees it: each answer read in one consistent
snapshot, so the results recorded are exactly the catalogue as of the position recorded."""

from __future__ import annotations

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
