"""Public contract disclosures and statistics: anyone, no login (⑦, Notice art. 9(2))."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy import ColumnElement, Connection, func, select

from api.commands import await_min_position, runtime_of
from api.schemas.disclosures import (
    Bucket,
    CatalogueStatistics,
    ContractStatistics,
    Count,
    Disclosure,
    DisclosureList,
)
from domain.values import CertificationKind, ServiceType
from projections.disclosures import RESCINDED
from projections.tables import catalogue_services, certification_column, disclosures

Text = Annotated[str | None, Parameter(required=False, max_length=100)]
ServiceTypeParam = Annotated[str | None, Parameter(
    required=False, pattern="^(IaaS|PaaS|SaaS|support|convergence)$")]
MethodParam = Annotated[str | None, Parameter(required=False, pattern="^(central|self)$")]
DateParam = Annotated[date | None, Parameter(required=False)]


class DisclosureFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What a reader narrowed the public disclosures to (the API's query, and the web page's)."""

    agency_id: str | None = None
    service_type: str | None = None
    method: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None


def public_disclosures(conn: Connection, chosen: DisclosureFilter) -> list[dict[str, Any]]:
    """The registered (public) disclosures that match, newest registration first."""
    t = disclosures
    where: list[ColumnElement[bool]] = [t.c.public.is_(True)]
    if chosen.agency_id:
        where.append(t.c.agency_id == chosen.agency_id)
    if chosen.method:
        where.append(t.c.method == chosen.method)
    if chosen.registered_from:
        where.append(t.c.registered_on >= chosen.registered_from)
    if chosen.registered_to:
        where.append(t.c.registered_on <= chosen.registered_to)
    rows = [dict(r) for r in conn.execute(select(t).where(*where).order_by(
        t.c.registered_on.desc(), t.c.contract_id)).mappings()]
    if chosen.service_type:
        rows = [r for r in rows if chosen.service_type in r["service_types"]]
    return rows


def contract_statistics(conn: Connection) -> ContractStatistics:
    """Every registered contract, counted and summed by each dimension; a rescinded one (해제)
    counts as never made, so it is in no count or amount (the register still lists it)."""
    c = catalogue_services
    rows = [dict(r) for r in conn.execute(
        select(disclosures).where(disclosures.c.public.is_(True),
                                  disclosures.c.status != RESCINDED)).mappings()]
    attributes = {r.service_id: (r.company_size, r.provider_type) for r in conn.execute(
        select(c.c.service_id, c.c.company_size, c.c.provider_type))}

    def services(row: dict[str, Any]) -> list[str]:
        return [s["service_id"] for s in row["services"]]

    return ContractStatistics(
        contracts=len(rows),
        amount_krw=sum((Decimal(r["amount_krw"]) for r in rows), Decimal(0)),
        by_service_type=_buckets(rows, lambda r: r["service_types"]),
        by_company_size=_buckets(rows, lambda r: [attributes[s][0] for s in services(r)
                                                  if s in attributes]),
        by_provider_type=_buckets(rows, lambda r: [attributes[s][1] for s in services(r)
                                                   if s in attributes]),
        by_method=_buckets(rows, lambda r: [r["method"]]),
        by_agency=_buckets(rows, lambda r: [r["agency_id"]]),
        by_month=_buckets(rows, lambda r: [r["registered_on"].strftime("%Y-%m")]),
    )


def disclosure_of(row: Any) -> Disclosure:
    return msgspec.convert({name: row[name] for name in Disclosure.__struct_fields__},
                           Disclosure, from_attributes=True)


def _buckets(rows: Iterable[dict[str, Any]], keys: Callable[[dict[str, Any]], Iterable[str]],
             ) -> list[Bucket]:
    count: dict[str, int] = defaultdict(int)
    amount: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for key in set(keys(row)):
            count[key] += 1
            amount[key] += Decimal(row["amount_krw"])
    return [Bucket(key=key, contracts=count[key], amount_krw=amount[key])
            for key in sorted(count)]


class DisclosureController(Controller):
    path = "/disclosures"
    tags = ["public disclosures"]

    @get("/", sync_to_thread=True, summary="Registered contract information, newest first")
    def list_disclosures(
        self, request: Request[Any, Any, Any],
        agency_id: Text = None,
        service_type: ServiceTypeParam = None,
        method: MethodParam = None,
        registered_from: DateParam = None,
        registered_to: DateParam = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> DisclosureList:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            rows = public_disclosures(conn, DisclosureFilter(
                agency_id=agency_id, service_type=service_type, method=method,
                registered_from=registered_from, registered_to=registered_to))
        return DisclosureList(total=len(rows), limit=limit, offset=offset,
                              items=[disclosure_of(r) for r in rows[offset:offset + limit]])

    @get("/statistics", sync_to_thread=True,
         summary="Counts and amounts by service type, company size, provider type, method, "
                 "agency and month")
    def statistics(self, request: Request[Any, Any, Any]) -> ContractStatistics:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            return contract_statistics(conn)


class CatalogueStatisticsController(Controller):
    path = "/catalogue/statistics"
    tags = ["catalogue (public)"]

    @get("/", sync_to_thread=True, summary="Registered, active services by type, "
                                           "certification and Mall listing")
    def statistics(self, request: Request[Any, Any, Any]) -> CatalogueStatistics:
        await_min_position(request)
        c = catalogue_services
        active = c.c.searchable.is_(True)
        with runtime_of(request.app.state).db.connect() as conn:
            total = conn.execute(select(func.count()).where(active)).scalar_one()
            by_type: dict[str, int] = dict(conn.execute(select(c.c.service_type, func.count()).where(active)
                                        .group_by(c.c.service_type)).all())
            by_cert = {kind.value: conn.execute(select(func.count()).where(
                active, c.c[certification_column(kind)].is_(True))).scalar_one()
                for kind in CertificationKind}
            mall = conn.execute(select(func.count()).where(
                active, c.c.mall_listed.is_(True))).scalar_one()
            innovation = conn.execute(select(func.count()).where(
                active, c.c.innovation_product.is_(True))).scalar_one()
        return CatalogueStatistics(
            services=int(total),
            by_service_type=[Count(key=t.value, services=int(by_type.get(t.value, 0)))
                             for t in ServiceType],
            by_certification=[Count(key=k, services=int(v)) for k, v in by_cert.items()],
            mall_listed=int(mall), innovation_products=int(innovation))
