"""The public catalogue search as pages: the annex's six pages, each with only its own filters.

The form's fields are named exactly as the API's query parameters and the query goes through the
API's own :func:`conditions_from_query` and search (with its cache), so a page refuses and finds
exactly what the API does.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import MultiDict
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy import select

from api.auth import Principal
from api.commands import runtime_of
from api.controllers.catalogue import conditions_from_query, page_named
from api.web.i18n import Translator, choose_language
from api.web.rendering import SignedIn, paging, render
from domain.search import ANNEX, SearchConditions, SearchPage
from projections.reads import single_statement_reads
from projections.tables import catalogue_services

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Offset = Annotated[int, QueryParameter(ge=0, le=100_000)]


def _filters(page: SearchPage, conditions: SearchConditions, t: Translator) -> list[dict[str, Any]]:
    """The page's filters as the form shows them, with what the person ticked."""
    shown = []
    for flt, values in ANNEX[page].items():
        chosen = getattr(conditions, flt.value)
        options = None if values is None else [
            {"value": value.value, "label": t.label(value), "checked": value in chosen}
            for value in sorted(values, key=lambda member: str(member.value))]
        shown.append({"name": flt.value, "label": t(f"filter.{flt.value}"), "options": options,
                      "checked": chosen is True})
    return shown


def search_page(request: Request[Any, Any, Any], principal: Principal | None, page: SearchPage,
                limit: int, offset: int) -> Template:
    # ``lang`` is the page's own parameter; every other one is the API's and is read as strictly.
    query = MultiDict([(name, value) for name, value in request.query_params.multi_items()
                       if name != "lang"])
    conditions = conditions_from_query(page, query)
    runtime = runtime_of(request.app.state)
    with single_statement_reads(runtime.db).connect() as conn:
        result = runtime.search_cache.search(conn, conditions, limit=limit, offset=offset)
        # A provider ending the business (Decree art. 19(2)) keeps the notice posted until the
        # end date: the page shows it beside the service while it is still found.
        ids = [hit.service_id for hit in result.hits]
        cessations = {row.service_id: row.cessation for row in conn.execute(
            select(catalogue_services.c.service_id, catalogue_services.c.cessation).where(
                catalogue_services.c.service_id.in_(ids),
                catalogue_services.c.cessation.is_not(None)))} if ids else {}
    t = Translator(choose_language(request)[0])
    return render(
        request, principal, "catalogue.html", page=page, pages=list(SearchPage),
        conditions=conditions, filters=_filters(page, conditions, t), result=result,
        cessations=cessations,
        **paging(request, offset=offset, shown=len(result.hits), size=limit,
                 total=result.total),
    )


class CataloguePages(Controller):
    path = "/catalogue"

    @get("/", sync_to_thread=True)
    def all_types(self, request: Request[Any, Any, Any], principal: SignedIn,
                  limit: Limit = 20, offset: Offset = 0) -> Template:
        return search_page(request, principal, SearchPage.ALL, limit, offset)

    @get("/{page:str}", sync_to_thread=True)
    def one_page(self, request: Request[Any, Any, Any], principal: SignedIn, page: FromPath[str],
                 limit: Limit = 20, offset: Offset = 0) -> Template:
        return search_page(request, principal, page_named(page), limit, offset)
