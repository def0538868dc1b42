"""Reads of the quality views: inspections (operators and auditors, by due date) and the
providers' semiannual reports (a provider: its own), each a page at a time by cursor.

Inspections sort by (due, inspection_id) through ``ix_inspections_due``; reports by (year, half,
provider_id, report_id) through ``ix_semiannual_reports_page``, or a provider's through
``ix_semiannual_reports_provider``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Date, func, literal, select, tuple_

from application.queries.paging import Page, day, decode, integer, paged, text, uuid_text
from application.queries.scope import Scope
from projections.tables import inspections, semiannual_reports

MAX_LIMIT = 200


def inspections_page(conn: Connection, after: str | None, limit: int) -> Page[dict[str, Any]]:
    c = inspections.c
    where: list[ColumnElement[bool]] = []
    total = conn.execute(select(func.count()).select_from(inspections)).scalar_one()
    if after is not None:
        due, inspection_id = decode(after, day, uuid_text)
        where.append(tuple_(c.due, c.inspection_id)
                     > tuple_(literal(due, Date()), literal(inspection_id)))
    rows = [dict(row) for row in conn.execute(
        select(inspections).where(*where).order_by(c.due, c.inspection_id)
        .limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["due"].isoformat(), row["inspection_id"]),
                 int(total))


def reports_page(conn: Connection, scope: Scope, after: str | None,
                 limit: int) -> Page[dict[str, Any]]:
    c = semiannual_reports.c
    where: list[ColumnElement[bool]] = []
    if scope.provider_id is not None:
        where.append(c.provider_id == scope.provider_id)
    elif scope.agency_id is not None:
        where.append(c.provider_id.is_(None))  # no report belongs to an agency
    total = conn.execute(select(func.count()).select_from(semiannual_reports)
                         .where(*where)).scalar_one()
    if after is not None:
        year, half, provider_id, report_id = decode(after, integer, integer, text(64), text(64))
        where.append(tuple_(c.year, c.half, c.provider_id, c.report_id)
                     > tuple_(literal(year), literal(half), literal(provider_id),
                              literal(report_id)))
    rows = [dict(row) for row in conn.execute(
        select(semiannual_reports).where(*where)
        .order_by(c.year, c.half, c.provider_id, c.report_id).limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["year"], row["half"], row["provider_id"],
                                           row["report_id"]), int(total))
