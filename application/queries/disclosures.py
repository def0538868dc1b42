"""Reads of the public disclosures view: the register, a page at a time, and its statistics.

Register sort key: (registered_on, contract_id), both descending — ``ix_disclosures_registered``
for everyone, ``ix_disclosures_agency_page`` when narrowed to an agency. A service-type filter
goes through ``disclosure_services`` (the view's one row per service), as the statistics do.

The statistics are read from the totals the view keeps (``disclosure_statistics``), so they cost
the same at 100,000 contracts as at 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    func,
    literal,
    select,
    tuple_,
)

from application.queries.paging import Page, day, decode, paged, uuid_text
from projections.tables import (
    catalogue_services,
    disclosure_services,
    disclosure_statistics,
    disclosures,
)

MAX_LIMIT = 200


class DisclosureFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What a reader narrowed the public disclosures to (the API's query, and the web page's)."""

    agency_id: str | None = None
    service_type: str | None = None
    method: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None


def _where(chosen: DisclosureFilter) -> list[ColumnElement[bool]]:
    t = disclosures.c
    where: list[ColumnElement[bool]] = [t.public.is_(True)]
    if chosen.agency_id:
        where.append(t.agency_id == chosen.agency_id)
    if chosen.method:
        where.append(t.method == chosen.method)
    if chosen.registered_from:
        where.append(t.registered_on >= chosen.registered_from)
    if chosen.registered_to:
        where.append(t.registered_on <= chosen.registered_to)
    if chosen.service_type:
        where.append(t.contract_id.in_(select(disclosure_services.c.contract_id).where(
            disclosure_services.c.service_type == chosen.service_type)))
    return where


def disclosures_page(conn: Connection, chosen: DisclosureFilter, after: str | None,
                     limit: int) -> Page[dict[str, Any]]:
    """The registered (public) disclosures that match, newest registration first."""
    t = disclosures.c
    where = _where(chosen)
    total = conn.execute(select(func.count()).select_from(disclosures).where(*where)).scalar_one()
    if after is not None:
        registered_on, contract_id = decode(after, day, uuid_text)
        where.append(tuple_(t.registered_on, t.contract_id)
                     < tuple_(literal(registered_on, Date()), literal(contract_id)))
    rows = [dict(row) for row in conn.execute(
        select(disclosures).where(*where)
        .order_by(t.registered_on.desc(), t.contract_id.desc()).limit(limit + 1)).mappings()]
    return paged(rows, limit, lambda row: (row["registered_on"].isoformat(), row["contract_id"]),
                 int(total))


# --- statistics ------------------------------------------------------------------------------
Bucket = dict[str, Any]


def contract_statistics(conn: Connection) -> dict[str, Any]:
    """Every registered contract, counted and summed by each dimension; a rescinded one (해제)
    counts as never made, so it is in no count or amount (the register still lists it). A joint
    contract counts once under each of its service types, company sizes and provider types.

    Read from ``disclosure_statistics``, which the disclosures view keeps: as many rows as there
    are buckets (and distinct sets of services contracted together), whatever the number of
    contracts. Company size and provider type are the catalogue's current ones, as they always
    were: each set of services is looked up in the catalogue and counts once per distinct size
    (or type) among its services."""
    t = disclosure_statistics.c
    by: dict[str, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for dimension, key, n, amount in conn.execute(
            select(t.dimension, t.key, t.contracts, t.amount_krw)):
        by[dimension][key] = (int(n), Decimal(amount))
    sets = {key: key.split(",") for key in by["services"]}
    wanted = sorted({service for services in sets.values() for service in services})
    c = catalogue_services.c
    attributes = {row.service_id: (row.company_size, row.provider_type) for row in conn.execute(
        select(c.service_id, c.company_size, c.provider_type).where(c.service_id.in_(wanted)))
    } if wanted else {}

    def catalogue(index: int) -> list[Bucket]:
        totals: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
        for key, services in sets.items():
            n, amount = by["services"][key]
            for value in {attributes[s][index] for s in services if s in attributes}:
                totals[value][0] += n
                totals[value][1] += amount
        return _buckets((key, n, amount) for key, (n, amount) in totals.items())

    total = by["total"].get("", (0, Decimal(0)))
    return {
        "contracts": total[0],
        "amount_krw": total[1],
        "by_service_type": _buckets((k, n, a) for k, (n, a) in by["service_type"].items()),
        "by_company_size": catalogue(0),
        "by_provider_type": catalogue(1),
        "by_method": _buckets((k, n, a) for k, (n, a) in by["method"].items()),
        "by_agency": _buckets((k, n, a) for k, (n, a) in by["agency"].items()),
        "by_month": _buckets((k, n, a) for k, (n, a) in by["month"].items()),
    }


def _buckets(groups: Iterable[tuple[str, int, Decimal]]) -> list[Bucket]:
    return [{"key": key, "contracts": n, "amount_krw": amount}
            for key, n, amount in sorted(groups) if n]
