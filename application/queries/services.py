"""Reads of the catalogue view for its keepers: every entry in every status (a provider: its own),
in notice-number order, by cursor — the unique notice number's index for everyone,
``ix_catalogue_services_provider`` for a provider. (The public annex search pages itself:
projections/catalogue_search.py.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from application.queries.paging import Page, decode, paged, text
from application.queries.scope import Scope
from projections.tables import catalogue_services

MAX_LIMIT = 200


def services_page(conn: Connection, scope: Scope, after: str | None,
                  limit: int) -> Page[dict[str, Any]]:
    c = catalogue_services.c
    where: list[ColumnElement[bool]] = []
    if scope.provider_id is not None:
        where.append(c.provider_id == scope.provider_id)
    elif scope.agency_id is not None:
        where.append(c.provider_id.is_(None))  # agencies search the catalogue instead
    total = conn.execute(select(func.count()).select_from(catalogue_services)
                         .where(*where)).scalar_one()
    if after is not None:
        (notice_number,) = decode(after, text(64))
        where.append(c.notice_number > notice_number)
    rows = [dict(row) for row in conn.execute(
        select(catalogue_services).where(*where).order_by(c.notice_number)
        .limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["notice_number"],), int(total))
