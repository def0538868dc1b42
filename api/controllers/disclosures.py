"""Public contract disclosures and statistics: anyone, no login (⑦, Notice art. 9(2))."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy import func, select

from api.commands import await_min_position, runtime_of
from api.paging import After, read_page
from api.schemas.disclosures import (
    CatalogueStatistics,
    ContractStatistics,
    Count,
    Disclosure,
    DisclosureList,
)
from application.queries import disclosures as queries
from application.queries.disclosures import DisclosureFilter
from domain.values import CertificationKind, ServiceType
from projections.tables import catalogue_services, certification_column

Text = Annotated[str | None, Parameter(required=False, max_length=100)]
ServiceTypeParam = Annotated[str | None, Parameter(
    required=False, pattern="^(IaaS|PaaS|SaaS|support|convergence)$")]
MethodParam = Annotated[str | None, Parameter(required=False, pattern="^(central|self)$")]
DateParam = Annotated[date | None, Parameter(required=False)]


def statistics_of(found: dict[str, Any]) -> ContractStatistics:
    return msgspec.convert(found, ContractStatistics)


def disclosure_of(row: Any) -> Disclosure:
    return msgspec.convert({name: row[name] for name in Disclosure.__struct_fields__},
                           Disclosure, from_attributes=True)


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
        after: After = None,
        limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
    ) -> DisclosureList:
        await_min_position(request)
        chosen = DisclosureFilter(agency_id=agency_id, service_type=service_type, method=method,
                                  registered_from=registered_from, registered_to=registered_to)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.disclosures_page(conn, chosen, after, limit))
        return DisclosureList(total=page.total, total_exact=page.total_exact, limit=limit,
                              next_after=page.next_after,
                              items=[disclosure_of(r) for r in page.items])

    @get("/statistics", sync_to_thread=True,
         summary="Counts and amounts by service type, company size, provider type, method, "
                 "agency and month")
    def statistics(self, request: Request[Any, Any, Any]) -> ContractStatistics:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            return statistics_of(queries.contract_statistics(conn))


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
