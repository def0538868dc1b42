"""Queries over the catalogue view: the annex search and a service's public entry."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
)

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
CATALOGUE_POSITION = select(projection_tracking.c.position).where(
    projection_tracking.c.view == "catalogue")
"""The catalogue view's position: every search answer says which catalogue it saw."""
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


_SUPPORT_KINDS = [(kind, support_kind_column(kind)) for kind in SupportKind]
_CERTIFICATIONS = [(kind, certification_column(kind)) for kind in CertificationKind]
_DOCUMENTS = [(kind, document_column(kind)) for kind in DocumentKind]
_CHANNELS = [(channel, channel_column(channel)) for channel in SupportChannel]
_FLAG_GROUPS = (_SUPPORT_KINDS, _CERTIFICATIONS, _DOCUMENTS, _CHANNELS)
# What a hit shows, and nothing more: the narrow search table has every flag; only the provider,
# the status and the version come from the full row (whose JSON a hit does not need).
_HIT_COLUMNS = [
    _T.c.service_id, _T.c.name, _FULL.c.provider_id, _FULL.c.provider_name, _T.c.service_type,
    _T.c.company_size, _T.c.provider_type, _T.c.mall_listed, _T.c.innovation_product,
    _FULL.c.status, _FULL.c.version,
    *(_T.c[column] for group in _FLAG_GROUPS for _, column in group),
]
_FIRST_FLAG = 11
_TOTAL, _POSITION = len(_HIT_COLUMNS), len(_HIT_COLUMNS) + 1


@lru_cache(maxsize=1024)
def _statements(conditions: SearchConditions, dialect: str, limit: int | None, offset: int,
                ) -> tuple[Select[Any], Select[Any]]:
    """The page (with the count and the view's position riding along) and, for an empty page,
    the count and position alone. Kept per search: a statement object memoizes its own cache
    key, which SQLAlchemy would otherwise rebuild from the whole expression on every execution
    (with forty-odd columns, more time than the database spends on a small page)."""
    filters = _filters(conditions, dialect)
    where = and_(_T.c.searchable == true(), *filters)
    position = CATALOGUE_POSITION.scalar_subquery()
    counted = where
    if dialect == "sqlite":
        # SQLite would count by walking the name index for searchable = 1 and fetching every row
        # it names; with the flag wrapped, it scans the narrow table instead, about 4× faster.
        counted = and_(func.coalesce(_T.c.searchable, false()) == true(), *filters)
    total = select(func.count()).select_from(_T).where(counted).scalar_subquery()
    # Code-point order on both databases (the search table's name column sorts that way on
    # each), so the same catalogue lists in the same order everywhere, straight off an index.
    page = (select(*_HIT_COLUMNS, total, position)
            .join_from(_T, _FULL, _T.c.service_id == _FULL.c.service_id).where(where)
            .order_by(_T.c.name, _T.c.service_id).limit(limit).offset(offset))
    return page, select(total, position)


def search_catalogue(conn: Connection, conditions: SearchConditions, *, limit: int | None = 20,
                     offset: int = 0) -> SearchSnapshot:
    """Run the annex search: only registered, active services; a stable order (name, then id).
    ``limit=None`` returns the whole result list, as evidence needs it."""
    validate_conditions(conditions)
    page, counts = _statements(conditions, conn.dialect.name, limit, offset)
    # One statement, one round trip: the count and the view's position are uncorrelated
    # subqueries, which both databases evaluate once, not once per row.
    rows = conn.execute(page).all()
    if rows:
        found, at = rows[0][_TOTAL], rows[0][_POSITION]
    else:  # no page to carry them: ask for the two alone
        found, at = conn.execute(counts).one()
    return SearchSnapshot(total=int(found), hits=[hit_from_row(row) for row in rows],
                          catalogue_position=int(at or 0))


def hit_from_row(row: Sequence[Any]) -> CatalogueEntry:
    """A hit from a row of the search's page (columns in the order of ``_HIT_COLUMNS``)."""
    flags = iter(row[_FIRST_FLAG:])
    # Consumed in _FLAG_GROUPS' order, as the columns were selected.
    support_kinds = [kind for kind, _ in _SUPPORT_KINDS if next(flags)]
    certifications = [kind for kind, _ in _CERTIFICATIONS if next(flags)]
    documents = [kind for kind, _ in _DOCUMENTS if next(flags)]
    channels = [channel for channel, _ in _CHANNELS if next(flags)]
    return CatalogueEntry(
        service_id=row[0],
        name=row[1],
        provider_id=row[2],
        provider_name=row[3],
        service_type=ServiceType(row[4]),
        company_size=CompanySize(row[5]),
        provider_type=ProviderType(row[6]),
        support_kinds=support_kinds,
        mall_listed=bool(row[7]),
        innovation_product=bool(row[8]),
        certifications=certifications,
        documents=documents,
        support_channels=channels,
        status=ServiceStatus(row[9]),
        version=int(row[10]),
    )


def service_row(conn: Connection, service_id: str, columns: Sequence[str] | None = None,
                ) -> dict[str, Any] | None:
    """A service's row in the catalogue view: every column, or only ``columns``."""
    row = conn.execute(_row_statement(None if columns is None else tuple(columns)),
                       {"service_id": service_id}).mappings().one_or_none()
    return dict(row) if row is not None else None


@lru_cache(maxsize=32)
def _row_statement(columns: tuple[str, ...] | None) -> Select[Any]:
    # One statement object per column list, its key memoized (see _statements).
    selected = [_FULL.c[name] for name in columns] if columns is not None else [_FULL]
    return select(*selected).where(_FULL.c.service_id == bindparam("service_id"))
