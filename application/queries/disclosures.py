"""Reads of the public disclosures view: the register, a page at a time, and its statistics.

Register sort key: (registered_on, contract_id), both descending — ``ix_disclosures_registered``
for everyone, ``ix_disclosures_agency_page`` when narrowed to an agency. A service-type filter
goes through ``disclosure_services`` (the view's one row per service), as the statistics do.

The statistics are GROUP BYs in the database, so their cost grows with the number of groups read
back (service types, sizes, methods, agencies, days), not with rows shipped to Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import (
    Case,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.exc import OperationalError

from application.queries.paging import Page, day, decode, paged, uuid_text
from projections.disclosures import RESCINDED
from projections.tables import catalogue_services, disclosure_services, disclosures

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
    Company size and provider type are the catalogue's current ones, as they always were."""
    d = disclosures.c
    counted = [d.public.is_(True), d.status != RESCINDED]
    base = select(d.contract_id, d.amount_krw).where(*counted)

    def per_service(column: Any, *, catalogue: bool) -> Select[Any]:
        # One row per (contract, key): DISTINCT, so two services of one type count once.
        s = disclosure_services.c
        query = select(s.contract_id, d.amount_krw, column.label("key")).join_from(
            disclosure_services, disclosures, s.contract_id == d.contract_id).where(*counted)
        if catalogue:
            query = query.join(catalogue_services,
                               catalogue_services.c.service_id == s.service_id)
        return query.distinct()

    total = _grouped(conn, base.add_columns(literal_column("''").label("key")))
    by_day = _grouped(conn, base.add_columns(d.registered_on.label("key")))
    months: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for key, contracts, amount in by_day:
        month = months[key.strftime("%Y-%m")]
        month[0] += contracts
        month[1] += amount
    return {
        "contracts": sum(row[1] for row in total),
        "amount_krw": sum((row[2] for row in total), Decimal(0)),
        "by_service_type": _buckets(_grouped(conn, per_service(
            disclosure_services.c.service_type, catalogue=False))),
        "by_company_size": _buckets(_grouped(conn, per_service(
            catalogue_services.c.company_size, catalogue=True))),
        "by_provider_type": _buckets(_grouped(conn, per_service(
            catalogue_services.c.provider_type, catalogue=True))),
        "by_method": _buckets(_grouped(conn, base.add_columns(d.method.label("key")))),
        "by_agency": _buckets(_grouped(conn, base.add_columns(d.agency_id.label("key")))),
        "by_month": _buckets((key, n, amount) for key, (n, amount) in months.items()),
    }


def _buckets(groups: Iterable[tuple[Any, int, Decimal]]) -> list[Bucket]:
    return [{"key": str(key), "contracts": n, "amount_krw": amount}
            for key, n, amount in sorted(groups, key=lambda group: str(group[0]))]


def _grouped(conn: Connection, facts: Select[Any]) -> list[tuple[Any, int, Decimal]]:
    """(key, contracts, amount) per key of ``facts`` (rows of contract_id, amount_krw, key)."""
    rows = facts.subquery()
    if conn.dialect.name != "sqlite":  # NUMERIC: the database's sum is exact
        return [(key, int(n), Decimal(amount)) for key, n, amount in conn.execute(
            select(rows.c.key, func.count(), func.sum(rows.c.amount_krw)).group_by(rows.c.key))]
    # SQLite keeps an amount as text (projections.tables.KrwAmount) and would sum it as a float:
    # sum its won and its 전 as integers instead, exactly.
    text_amount = rows.c.amount_krw
    point = func.instr(text_amount, ".")
    won = cast(case((point > 0, func.substr(text_amount, 1, point - 1)), else_=text_amount),
               Integer)
    cents: Case[Any] = case((point > 0, cast(func.substr(
        func.substr(text_amount, point + 1).concat("00"), 1, 2), Integer)), else_=0)
    try:
        return [(key, int(n), Decimal(whole) + Decimal(part) / 100)
                for key, n, whole, part in conn.execute(
                    select(rows.c.key, func.count(), func.sum(won), func.sum(cents))
                    .group_by(rows.c.key))]
    except OperationalError as error:
        if "overflow" not in str(error):
            raise
    # A sum past 2**63 won (amounts near the domain's largest): the database cannot hold it;
    # Python's Decimal can, at the cost of reading each row's key and amount.
    totals: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for key, amount in conn.execute(select(rows.c.key, rows.c.amount_krw)):
        totals[key][0] += 1
        totals[key][1] += Decimal(amount)
    return [(key, n, amount) for key, (n, amount) in totals.items()]
