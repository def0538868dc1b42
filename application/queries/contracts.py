"""Reads of the contracts view: a caller's contracts, newest conclusion first, a page at a time.

Sort key: (concluded_at, contract_id), both descending, so one row comparison is the keyset
condition and one index serves it backwards: ``ix_contracts_page`` for everyone,
``ix_contracts_agency_page`` for an agency. A provider's contracts are those with one of its
services (``contract_services``, the contracts view's side table, written in the same transaction
as the contract's row), found through ``ix_contract_services_provider``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select, tuple_

from application.queries.paging import Page, decode, moment, paged, uuid_text
from application.queries.scope import Scope
from projections.tables import UtcDateTime, contract_services, contracts

MAX_LIMIT = 200


def scoped(scope: Scope) -> list[ColumnElement[bool]]:
    c = contracts.c
    if scope.agency_id is not None:
        return [c.agency_id == scope.agency_id]
    if scope.provider_id is not None:
        return [c.contract_id.in_(select(contract_services.c.contract_id).where(
            contract_services.c.provider_id == scope.provider_id))]
    return []


def contracts_page(conn: Connection, scope: Scope, after: str | None,
                   limit: int) -> Page[dict[str, Any]]:
    """The scoped contracts after the cursor; each row with every column (the record too)."""
    c = contracts.c
    where = scoped(scope)
    total = conn.execute(select(func.count()).select_from(contracts).where(*where)).scalar_one()
    if after is not None:
        at, contract_id = decode(after, moment, uuid_text)
        where.append(tuple_(c.concluded_at, c.contract_id)
                     < tuple_(literal(at, UtcDateTime()), literal(contract_id)))
    rows = [dict(row) for row in conn.execute(
        select(contracts).where(*where).order_by(c.concluded_at.desc(), c.contract_id.desc())
        .limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["concluded_at"].isoformat(), row["contract_id"]),
                 int(total))
