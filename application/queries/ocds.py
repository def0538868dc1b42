"""Which procurements OCDS publishes (those with a registered contract disclosure), a page at a
time in procurement-id order — the ocid's order, since an ocid is the prefix and the id. Read
from the contracts view through ``ix_contracts_published``."""

from __future__ import annotations

from sqlalchemy import Connection, select

from application.queries.paging import Page, decode, paged, uuid_text
from projections.tables import contracts


def published_procurements(conn: Connection, after: str | None, limit: int) -> Page[str]:
    c = contracts.c
    query = select(c.procurement_id).where(c.disclosure_registered.is_(True))
    if after is not None:
        (procurement_id,) = decode(after, uuid_text)
        query = query.where(c.procurement_id > procurement_id)
    ids = list(conn.execute(query.distinct().order_by(c.procurement_id).limit(limit + 1))
               .scalars())
    # No total: a published list is read by following its links, and counting it is a scan.
    page = paged(ids, limit, lambda pid: (pid,), 0)
    return Page(items=page.items, next_after=page.next_after, total=0, total_exact=False)
