"""Queries over the catalogue view: the annex search and a service's public entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, true

from domain.search import CatalogueEntry, SearchConditions, SearchSnapshot, validate_conditions
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    ProviderType,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)
from projections.tables import (
    catalogue_search,
    catalogue_services,
    certification_column,
    channel_column,
    document_column,
    projection_tracking,
    support_kind_column,
)

_T = catalogue_search  # what a search filters, counts and sorts
_FULL = catalogue_services  # what it shows


def _contains(dialect: str, term: str) -> ColumnElement[bool]:
    # A plain substring test: both sides are normalised already, and strpos/instr scan text about
    # twice as fast as LIKE '%…%' (which also needs its wildcards escaped).
    position = func.strpos if dialect == "postgresql" else func.instr
    return position(_T.c.search_text, term) > 0


def _filters(conditions: SearchConditions, dialect: str) -> list[ColumnElement[bool]]:
    """The page's and the reader's conditions (the caller adds that a hit must be searchable)."""
    clauses: list[ColumnElement[bool]] = []
    page_type = conditions.page.service_type
    if page_type is not None:
        clauses.append(_T.c.service_type == page_type.value)
    if conditions.service_type:
        clauses.append(_T.c.service_type.in_(sorted(t.value for t in conditions.service_type)))
    if conditions.company_size:
        clauses.append(_T.c.company_size.in_(sorted(s.value for s in conditions.company_size)))
    if conditions.provider_type:
        clauses.append(_T.c.provider_type.in_(sorted(p.value for p in conditions.provider_type)))
    if conditions.support_kind:
        clauses.append(or_(*(_T.c[support_kind_column(k)] == true()
                             for k in conditions.support_kind)))
    if conditions.mall_listed:
        clauses.append(_T.c.mall_listed == true())
    if conditions.innovation_product:
        clauses.append(_T.c.innovation_product == true())
    clauses += [_T.c[certification_column(k)] == true() for k in conditions.certification]
    clauses += [_T.c[document_column(d)] == true() for d in conditions.document]
    clauses += [_T.c[channel_column(c)] == true() for c in conditions.support_channel]
    clauses += [_contains(dialect, term) for term in conditions.keyword_terms]
    return clauses


def search_catalogue(conn: Connection, conditions: SearchConditions, *, limit: int | None = 20,
                     offset: int = 0) -> SearchSnapshot:
    """Run the annex search: only registered, active services; a stable order (name, then id).
    ``limit=None`` returns the whole result list, as evidence needs it."""
    validate_conditions(conditions)
    filters = _filters(conditions, conn.dialect.name)
    where = and_(_T.c.searchable == true(), *filters)
    position = conn.execute(
        select(projection_tracking.c.position).where(projection_tracking.c.view == "catalogue")
    ).scalar_one_or_none() or 0
    counted = where
    if conn.dialect.name == "sqlite":
        # SQLite would count by walking the name index for searchable = 1 and fetching every row
        # it names; with the flag wrapped, it scans the narrow table instead, about 4× faster.
        counted = and_(func.coalesce(_T.c.searchable, false()) == true(), *filters)
    total = conn.execute(select(func.count()).select_from(_T).where(counted)).scalar_one()
    # Code-point order on both databases (the search table's name column sorts that way on each),
    # so the same catalogue lists in the same order everywhere, straight off an index.
    rows = conn.execute(
        select(_FULL).join(_T, _T.c.service_id == _FULL.c.service_id).where(where)
        .order_by(_T.c.name, _T.c.service_id).limit(limit).offset(offset)
    ).mappings()
    return SearchSnapshot(total=int(total), hits=[hit_from_row(row) for row in rows],
                        catalogue_position=int(position))


def hit_from_row(row: Any) -> CatalogueEntry:
    return CatalogueEntry(
        service_id=row["service_id"],
        name=row["name"],
        provider_id=row["provider_id"],
        provider_name=row["provider_name"],
        service_type=ServiceType(row["service_type"]),
        company_size=CompanySize(row["company_size"]),
        provider_type=ProviderType(row["provider_type"]),
        support_kinds=[k for k in SupportKind if row[support_kind_column(k)]],
        mall_listed=bool(row["mall_listed"]),
        innovation_product=bool(row["innovation_product"]),
        certifications=[k for k in CertificationKind if row[certification_column(k)]],
        documents=[d for d in DocumentKind if row[document_column(d)]],
        support_channels=[c for c in SupportChannel if row[channel_column(c)]],
        status=ServiceStatus(row["status"]),
        version=int(row["version"]),
    )


def service_row(conn: Connection, service_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(_FULL).where(_FULL.c.service_id == service_id)
                       ).mappings().one_or_none()
    return dict(row) if row is not None else None
