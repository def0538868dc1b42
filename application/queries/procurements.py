"""Reads of the procurements view: a caller's procurements, newest opening first, by cursor.

Sort key: (opened_at, procurement_id), both descending — ``ix_procurements_agency_page`` for an
agency (it sees its own), ``ix_procurements_page`` for everyone. Providers never list
procurements (api.authorization); their requests are the inbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select, tuple_

from application.queries.paging import Page, decode, moment, paged, uuid_text
from application.queries.scope import Scope
from projections.tables import UtcDateTime, procurements

MAX_LIMIT = 200


def procurements_page(conn: Connection, scope: Scope, after: str | None,
                      limit: int) -> Page[dict[str, Any]]:
    c = procurements.c
    where: list[ColumnElement[bool]] = []
    if scope.agency_id is not None:
        where.append(c.agency_id == scope.agency_id)
    elif scope.provider_id is not None:
        where.append(c.agency_id.is_(None))  # no procurement belongs to a provider
    total = conn.execute(select(func.count()).select_from(procurements).where(*where)).scalar_one()
    if after is not None:
        at, procurement_id = decode(after, moment, uuid_text)
        where.append(tuple_(c.opened_at, c.procurement_id)
                     < tuple_(literal(at, UtcDateTime()), literal(procurement_id)))
    rows = [dict(row) for row in conn.execute(
        select(procurements).where(*where).order_by(c.opened_at.desc(), c.procurement_id.desc())
        .limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["opened_at"].isoformat(), row["procurement_id"]),
                 int(total))
