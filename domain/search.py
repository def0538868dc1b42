"""Catalogue search conditions and the guideline annex that fixes which filters each search page
offers ([붙임] 디지털서비스 이용지원시스템 검색 필터 항목과 세부내용).

The annex has six pages. The all-types page (찾기) filters by service type, company size, provider
type, Mall listing, innovation product, documents and support channels. IaaS and PaaS pages drop the
service type and add certifications. The SaaS page has company size, provider type, Mall listing,
innovation product and certifications only. The support-services page adds the support kind and has
no provider type and no certifications. The convergence page offers only the SLA document and every
support channel except web chat.

Within one filter, choices of a category (service type, company size, provider type, support kind)
match any of the chosen values; choices of something a service *has* (certifications, documents,
support channels) must all be held, because that is how a requirement reads ("CSAP and on-site
support required").
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Protocol

import msgspec

from domain import bounds, rules
from domain.rules import refuse, require
from domain.text import normalise
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    LabelledEnum,
    ProviderType,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)

MAX_KEYWORD_TERMS = 10
MAX_KEYWORDS_LENGTH = 200


class SearchPage(LabelledEnum):
    ALL = "all"
    IAAS = "iaas"
    PAAS = "paas"
    SAAS = "saas"
    SUPPORT = "support"
    CONVERGENCE = "convergence"

    @property
    def ko(self) -> str:
        return _PAGE_KO[self]

    @property
    def service_type(self) -> ServiceType | None:
        """The service type a page is restricted to (None: the all-types page)."""
        return _PAGE_TYPE.get(self)


_PAGE_KO = {
    SearchPage.ALL: "찾기",
    SearchPage.IAAS: "IaaS",
    SearchPage.PAAS: "PaaS",
    SearchPage.SAAS: "SaaS",
    SearchPage.SUPPORT: "지원서비스",
    SearchPage.CONVERGENCE: "융합서비스",
}
_PAGE_TYPE = {
    SearchPage.IAAS: ServiceType.IAAS,
    SearchPage.PAAS: ServiceType.PAAS,
    SearchPage.SAAS: ServiceType.SAAS,
    SearchPage.SUPPORT: ServiceType.SUPPORT,
    SearchPage.CONVERGENCE: ServiceType.CONVERGENCE,
}


class Filter(enum.Enum):
    SERVICE_TYPE = "service_type"
    SUPPORT_KIND = "support_kind"
    COMPANY_SIZE = "company_size"
    PROVIDER_TYPE = "provider_type"
    MALL_LISTED = "mall_listed"
    INNOVATION_PRODUCT = "innovation_product"
    CERTIFICATION = "certification"
    DOCUMENT = "document"
    SUPPORT_CHANNEL = "support_channel"


# Each page's filters and, for multi-valued ones, the values it offers (None: a yes/no filter).
_ALL_CHANNELS = frozenset(SupportChannel)
_ANNEX_COMMON: dict[Filter, frozenset[enum.Enum] | None] = {
    Filter.COMPANY_SIZE: frozenset(CompanySize),
    Filter.PROVIDER_TYPE: frozenset(ProviderType),
    Filter.MALL_LISTED: None,
    Filter.INNOVATION_PRODUCT: None,
}
_IAAS_PAAS = {
    **_ANNEX_COMMON,
    Filter.CERTIFICATION: frozenset(CertificationKind),
    Filter.DOCUMENT: frozenset(DocumentKind),
    Filter.SUPPORT_CHANNEL: _ALL_CHANNELS,
}
ANNEX: dict[SearchPage, dict[Filter, frozenset[enum.Enum] | None]] = {
    SearchPage.ALL: {
        Filter.SERVICE_TYPE: frozenset(ServiceType),
        **_ANNEX_COMMON,
        Filter.DOCUMENT: frozenset(DocumentKind),
        Filter.SUPPORT_CHANNEL: _ALL_CHANNELS,
    },
    SearchPage.IAAS: _IAAS_PAAS,
    SearchPage.PAAS: _IAAS_PAAS,
    SearchPage.SAAS: {**_ANNEX_COMMON, Filter.CERTIFICATION: frozenset(CertificationKind)},
    SearchPage.SUPPORT: {
        Filter.SUPPORT_KIND: frozenset(SupportKind),
        Filter.COMPANY_SIZE: frozenset(CompanySize),
        Filter.MALL_LISTED: None,
        Filter.INNOVATION_PRODUCT: None,
        Filter.DOCUMENT: frozenset(DocumentKind),
        Filter.SUPPORT_CHANNEL: _ALL_CHANNELS,
    },
    SearchPage.CONVERGENCE: {
        **_ANNEX_COMMON,
        Filter.DOCUMENT: frozenset({DocumentKind.SLA}),
        Filter.SUPPORT_CHANNEL: _ALL_CHANNELS - {SupportChannel.WEB_CHAT},
    },
}


class SearchConditions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a person asked the catalogue: a page of the annex, keywords and that page's filters."""

    page: SearchPage = SearchPage.ALL
    keywords: str = ""
    service_type: frozenset[ServiceType] = frozenset()
    support_kind: frozenset[SupportKind] = frozenset()
    company_size: frozenset[CompanySize] = frozenset()
    provider_type: frozenset[ProviderType] = frozenset()
    mall_listed: bool = False
    innovation_product: bool = False
    certification: frozenset[CertificationKind] = frozenset()
    document: frozenset[DocumentKind] = frozenset()
    support_channel: frozenset[SupportChannel] = frozenset()

    def __post_init__(self) -> None:
        # NUL and control characters: PostgreSQL refuses NUL in a query parameter outright (500),
        # and a recorded search keeps its keywords as evidence. The length has its own rule
        # (search.keywords, in validate_conditions).
        bounds.text(self.keywords, "keywords", bounds.TEXT_LENGTH)

    def used_filters(self) -> dict[Filter, frozenset[enum.Enum] | bool]:
        used: dict[Filter, frozenset[enum.Enum] | bool] = {}
        for flt in Filter:
            value = getattr(self, flt.value)
            if value:
                used[flt] = value
        return used

    @property
    def keyword_terms(self) -> list[str]:
        return normalise(self.keywords).split()


def validate_conditions(conditions: SearchConditions) -> None:
    """Refuse a filter, or a filter value, that the annex does not put on the chosen page."""
    page = conditions.page
    offered = ANNEX[page]
    for flt, value in conditions.used_filters().items():
        if flt not in offered:
            refuse(rules.SEARCH_FILTER_NOT_ON_PAGE, flt.value, page=page.value, page_ko=page.ko,
                   filter=flt.value, offered=", ".join(f.value for f in offered))
        allowed = offered[flt]
        if allowed is not None and isinstance(value, frozenset):
            for item in sorted(value - allowed, key=lambda member: member.value):
                refuse(rules.SEARCH_VALUE_NOT_ON_PAGE, flt.value, page=page.value,
                       page_ko=page.ko, filter=flt.value, value=item.value,
                       offered=", ".join(sorted(member.value for member in allowed)))
    require(len(conditions.keywords) <= MAX_KEYWORDS_LENGTH, rules.SEARCH_KEYWORDS, "keywords",
            problem=f"at most {MAX_KEYWORDS_LENGTH} characters",
            problem_ko=f"최대 {MAX_KEYWORDS_LENGTH}자")
    require(len(conditions.keyword_terms) <= MAX_KEYWORD_TERMS, rules.SEARCH_KEYWORDS, "keywords",
            problem=f"at most {MAX_KEYWORD_TERMS} terms", problem_ko=f"최대 {MAX_KEYWORD_TERMS}개 단어")


class CatalogueEntry(msgspec.Struct, frozen=True):
    """One search result with the key attributes a contract officer compares, as they were when
    the search ran: what a procurement records as evidence."""

    service_id: str
    name: str
    provider_id: str
    provider_name: str
    service_type: ServiceType
    company_size: CompanySize
    provider_type: ProviderType
    support_kinds: list[SupportKind]
    mall_listed: bool
    innovation_product: bool
    certifications: list[CertificationKind]
    documents: list[DocumentKind]
    support_channels: list[SupportChannel]
    status: ServiceStatus
    version: int


class SearchSnapshot(msgspec.Struct, frozen=True):
    """What the catalogue answered: the results in their order, and the catalogue view's position
    in the ledger when it answered (the results are exactly the catalogue as of that position)."""

    total: int
    hits: list[CatalogueEntry]
    catalogue_position: int


class Catalogue(Protocol):
    """The catalogue as the ledger's commands may consult it (implemented over the catalogue
    view); the domain asks, it never trusts a client's answer."""

    def search(self, conditions: SearchConditions) -> SearchSnapshot: ...

    def registered_names(self) -> Collection[str]: ...
