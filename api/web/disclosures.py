"""Public contract disclosures as a page: the API's own query and statistics, a filter form, and
the statistics drawn as bar charts in inline SVG (computed here, so no script is needed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.commands import runtime_of
from api.controllers.disclosures import (
    DateParam,
    MethodParam,
    ServiceTypeParam,
    Text,
    disclosure_of,
    statistics_of,
)
from api.paging import After, read_page
from api.web.i18n import Translator, choose_language
from api.web.rendering import SignedIn, keyset_paging, page_url, render, won
from application.queries import disclosures as queries
from application.queries.disclosures import DisclosureFilter
from domain.values import ServiceType
from projections.agencies import names_of

PAGE_SIZE = 20
_CHART_WIDTH = 640
_CHART_HEIGHT = 240
_AXIS = 40  # room under the bars for their labels, and above them for their values


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]


def bar_chart(title: str, items: Sequence[tuple[str, Decimal, str]]) -> BarChart:
    """Vertical bars scaled to the largest value; each item is (label, value, value as shown)."""
    plot = _CHART_HEIGHT - 2 * _AXIS
    slot = _CHART_WIDTH / max(len(items), 1)
    top = max((value for _, value, _ in items), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (label, value, shown) in enumerate(items):
        height = float(value / top) * plot
        bars.append(Bar(label=label, value=shown, x=index * slot + slot * 0.15,
                        y=_AXIS + plot - height, width=slot * 0.7, height=height))
    return BarChart(title=title, width=_CHART_WIDTH, height=_CHART_HEIGHT,
                    baseline=_AXIS + plot, bars=bars)


def drop_blank_parameters(request: Request[Any, Any, Any]) -> Redirect | None:
    """A form sends its empty fields as ``name=``; the API's parameters (a pattern, a date) rightly
    refuse a blank, so the page first sends the browser to the same query without them."""
    blank = [name for name, value in request.query_params.multi_items() if value == ""]
    if not blank:
        return None
    return Redirect(page_url(request, **dict.fromkeys(blank)), status_code=303)


def _service_type_label(key: str, t: Translator) -> str:
    try:
        return t.label(ServiceType(key))
    except ValueError:
        return key


class DisclosurePages(Controller):
    path = "/disclosures"

    @get("/", sync_to_thread=True, before_request=drop_blank_parameters)
    def disclosures(
        self, request: Request[Any, Any, Any], principal: SignedIn,
        agency_id: Text = None,
        service_type: ServiceTypeParam = None,
        method: MethodParam = None,
        registered_from: DateParam = None,
        registered_to: DateParam = None,
        after: After = None,
        start: Annotated[int, QueryParameter(ge=1, le=1_000_000_000)] = 1,
    ) -> Template:
        chosen = DisclosureFilter(agency_id=agency_id, service_type=service_type, method=method,
                                  registered_from=registered_from, registered_to=registered_to)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.disclosures_page(conn, chosen, after, PAGE_SIZE))
            statistics = statistics_of(queries.contract_statistics(conn))
            shown = [disclosure_of(row) for row in page.items]
            agency_names = names_of(conn, [item.agency_id for item in shown])
        t = Translator(choose_language(request)[0])
        charts = [
            bar_chart(t("stats.by_service_type"), [
                (_service_type_label(b.key, t), b.amount_krw, won(b.amount_krw))
                for b in statistics.by_service_type]),
            bar_chart(t("stats.by_month"), [
                (b.key, Decimal(b.contracts), str(b.contracts)) for b in statistics.by_month]),
        ]
        return render(
            request, principal, "disclosures.html", chosen=chosen, items=shown,
            agency_names=agency_names,
            total=page.total, service_types=list(ServiceType), statistics=statistics,
            charts=charts, **keyset_paging(request, after=after, start=start, shown=len(shown),
                                           total=page.total, next_after=page.next_after),
        )
