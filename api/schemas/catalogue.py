"""Bodies of the public catalogue search routes."""

from __future__ import annotations

import msgspec

from domain.search import CatalogueEntry


class FilterValue(msgspec.Struct, frozen=True):
    value: str
    label_ko: str


class AnnexFilter(msgspec.Struct, frozen=True):
    filter: str
    values: list[FilterValue] | None
    """None for a yes/no filter (``mall_listed=true``)."""


class AnnexPage(msgspec.Struct, frozen=True):
    page: str
    page_ko: str
    service_type: str | None
    filters: list[AnnexFilter]


class SearchResponse(msgspec.Struct, frozen=True):
    page: str
    keywords: str
    total: int
    limit: int
    offset: int
    catalogue_position: int
    hits: list[CatalogueEntry]
