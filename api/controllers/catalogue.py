"""The public catalogue search: anyone, no login, exactly the annex's pages and filters.

A public search is never evidence and records nothing; evidence searches belong to a procurement.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import MultiDict
from litestar.params import FromPath, Parameter

from api.commands import await_min_position, runtime_of
from api.schemas.catalogue import AnnexFilter, AnnexPage, FilterValue, SearchResponse
from api.schemas.services import ServiceEntry
from domain import rules
from domain.rules import RuleViolation, refuse
from domain.search import ANNEX, Filter, SearchConditions, SearchPage
from projections.catalogue_search import service_row
from projections.reads import single_statement_reads

ENTRY_COLUMNS = (*ServiceEntry.__struct_fields__, "provider_id")
"""What a service's entry reads of its row: what it shows, and who owns it."""
_PAGING = {"limit", "offset"}
_FILTER_NAMES = {flt.value for flt in Filter}
_QUERY_NAMES = _FILTER_NAMES | _PAGING | {"keywords"}

FilterParam = Annotated[list[str] | None, Parameter(
    required=False, description="Repeat the parameter for several values; the page must offer "
                                "the filter (see GET /catalogue/pages).")]
FlagParam = Annotated[bool | None, Parameter(required=False)]


def annex_page(page: SearchPage) -> AnnexPage:
    filters = []
    for flt, values in ANNEX[page].items():
        offered = None if values is None else [
            FilterValue(value=v.value, label_ko=getattr(v, "ko", v.value))
            for v in sorted(values, key=lambda member: member.value)
        ]
        filters.append(AnnexFilter(filter=flt.value, values=offered))
    service_type = page.service_type
    return AnnexPage(page=page.value, page_ko=page.ko,
                     service_type=service_type.value if service_type else None, filters=filters)


def conditions_from_query(page: SearchPage, query: MultiDict[str]) -> SearchConditions:
    """Read the query string strictly: an unknown parameter is refused, not ignored, so a client
    never believes a filter was applied when it was not. The web pages pass their query here too,
    less their own ``lang``, so a page and the API refuse exactly the same searches."""
    raw: dict[str, Any] = {"page": page.value}
    for name in query:
        if name not in _QUERY_NAMES:
            refuse(rules.SEARCH_FILTER_NOT_ON_PAGE, name, page=page.value, page_ko=page.ko,
                   filter=name, offered=", ".join(f.value for f in ANNEX[page]))
        if name in _PAGING:
            continue
        values = query.getall(name)
        if name == "keywords":
            raw[name] = " ".join(values)
        elif name in {Filter.MALL_LISTED.value, Filter.INNOVATION_PRODUCT.value}:
            raw[name] = values[-1]
        else:
            raw[name] = [item for value in values for item in value.split(",") if item]
    try:
        return msgspec.convert(raw, SearchConditions, strict=False)
    except msgspec.ValidationError as error:
        message = str(error)
        field = message.rsplit("$.", 1)[-1].split("[")[0].rstrip("`") if "$." in message else None
        raise RuleViolation(rules.REQUEST_MALFORMED, field, problem=message) from error


class CatalogueController(Controller):
    path = "/catalogue"
    tags = ["catalogue (public)"]

    @get("/pages", sync_to_thread=False, summary="The annex's search pages and their filters")
    def pages(self) -> list[AnnexPage]:
        return [annex_page(page) for page in SearchPage]

    @get("/pages/{page:str}/services", sync_to_thread=True,
         summary="Search registered, active services on one annex page")
    def search(
        self,
        request: Request[Any, Any, Any],
        page: FromPath[str],
        keywords: Annotated[str | None, Parameter(required=False, max_length=200)] = None,
        service_type: FilterParam = None,
        support_kind: FilterParam = None,
        company_size: FilterParam = None,
        provider_type: FilterParam = None,
        mall_listed: FlagParam = None,
        innovation_product: FlagParam = None,
        certification: FilterParam = None,
        document: FilterParam = None,
        support_channel: FilterParam = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        offset: Annotated[int, Parameter(ge=0, le=100_000)] = 0,
    ) -> SearchResponse:
        search_page = page_named(page)
        conditions = conditions_from_query(search_page, request.query_params)
        await_min_position(request)
        # The view's position, then (unless the answer read at that position is kept) page,
        # count and position in one statement: each statement stands alone, so no transaction.
        runtime = runtime_of(request.app.state)
        with single_statement_reads(runtime.db).connect() as conn:
            result = runtime.search_cache.search(conn, conditions, limit=limit, offset=offset)
        return SearchResponse(page=search_page.value, keywords=conditions.keywords,
                              total=result.total, limit=limit, offset=offset,
                              catalogue_position=result.catalogue_position, hits=result.hits)

    @get("/services/{service_id:uuid}", sync_to_thread=True,
         summary="A registered, active service's public entry")
    def service(self, request: Request[Any, Any, Any], service_id: FromPath[UUID]) -> ServiceEntry:
        await_min_position(request)
        with single_statement_reads(runtime_of(request.app.state).db).connect() as conn:
            row = service_row(conn, str(service_id), ENTRY_COLUMNS)
        if row is None or not row["searchable"]:
            refuse(rules.SERVICE_NOT_FOUND, service_id=str(service_id))
        return ServiceEntry.from_row(row)


def page_named(value: str) -> SearchPage:
    try:
        return SearchPage(value)
    except ValueError:
        refuse(rules.SEARCH_PAGE_UNKNOWN, "page", page=value,
               offered=", ".join(page.value for page in SearchPage))
