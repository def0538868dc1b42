"""The guideline annex ([붙임] 디지털서비스 이용지원시스템 검색 필터 항목과 세부내용): which
filters, and which values of them, each of the six search pages offers; and the keyword limits.

GUIDELINE below is transcribed from the annex itself, independently of `domain.search.ANNEX`, so a
drift in either shows up here.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import pytest

from domain import rules
from domain.rules import Rule, RuleViolation
from domain.search import (
    ANNEX,
    MAX_KEYWORD_TERMS,
    MAX_KEYWORDS_LENGTH,
    Filter,
    SearchConditions,
    SearchPage,
    validate_conditions,
)
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    ProviderType,
    ServiceType,
    SupportChannel,
    SupportKind,
)

Offered = frozenset[enum.Enum] | None

# 1. 찾기 페이지
_FIND: dict[Filter, Offered] = {
    Filter.SERVICE_TYPE: frozenset({  # 가. 서비스 유형
        ServiceType.IAAS, ServiceType.PAAS, ServiceType.SAAS, ServiceType.SUPPORT,
        ServiceType.CONVERGENCE}),
    Filter.COMPANY_SIZE: frozenset({  # 나. 기업 유형
        CompanySize.LARGE, CompanySize.MIDSIZE, CompanySize.SME}),
    Filter.PROVIDER_TYPE: frozenset({  # 다. 제공 유형
        ProviderType.ORIGINAL, ProviderType.RESELLER}),
    Filter.MALL_LISTED: None,  # 라. 디지털서비스몰 등록서비스
    Filter.INNOVATION_PRODUCT: None,  # 마. 혁신제품 등록서비스
    Filter.DOCUMENT: frozenset({DocumentKind.SLA, DocumentKind.TERMS}),  # 바. 제공 서류
    Filter.SUPPORT_CHANNEL: frozenset({  # 사. 지원체계
        SupportChannel.CALL_CENTER, SupportChannel.EMAIL_ONLINE, SupportChannel.PHONE,
        SupportChannel.WEB_CHAT, SupportChannel.ONSITE}),
}
# IaaS 페이지 마. 인증정보
_CERTIFICATIONS = frozenset({
    CertificationKind.CSAP, CertificationKind.QUALITY_PERFORMANCE,
    CertificationKind.CLOUD_SERVICE_CONFIRMATION, CertificationKind.CC, CertificationKind.GS,
    CertificationKind.OTHER})
# 2. IaaS 페이지 (3. PaaS 페이지: 필터 항목과 세부내용 동일)
_IAAS: dict[Filter, Offered] = {
    Filter.COMPANY_SIZE: _FIND[Filter.COMPANY_SIZE],
    Filter.PROVIDER_TYPE: _FIND[Filter.PROVIDER_TYPE],
    Filter.MALL_LISTED: None,
    Filter.INNOVATION_PRODUCT: None,
    Filter.CERTIFICATION: _CERTIFICATIONS,
    Filter.DOCUMENT: _FIND[Filter.DOCUMENT],
    Filter.SUPPORT_CHANNEL: _FIND[Filter.SUPPORT_CHANNEL],
}
GUIDELINE: dict[SearchPage, dict[Filter, Offered]] = {
    SearchPage.ALL: _FIND,
    SearchPage.IAAS: _IAAS,
    SearchPage.PAAS: _IAAS,
    # 4. SaaS 페이지: 기업 유형, 제공 유형, 몰 등록, 혁신제품, 인증정보
    SearchPage.SAAS: {
        Filter.COMPANY_SIZE: _FIND[Filter.COMPANY_SIZE],
        Filter.PROVIDER_TYPE: _FIND[Filter.PROVIDER_TYPE],
        Filter.MALL_LISTED: None,
        Filter.INNOVATION_PRODUCT: None,
        Filter.CERTIFICATION: _CERTIFICATIONS,
    },
    # 5. 지원서비스: 지원 유형, 기업 유형, 몰 등록, 혁신제품, 제공 서류, 지원체계
    SearchPage.SUPPORT: {
        Filter.SUPPORT_KIND: frozenset({
            SupportKind.CONSULTING, SupportKind.OPERATIONS, SupportKind.MIGRATION}),
        Filter.COMPANY_SIZE: _FIND[Filter.COMPANY_SIZE],
        Filter.MALL_LISTED: None,
        Filter.INNOVATION_PRODUCT: None,
        Filter.DOCUMENT: _FIND[Filter.DOCUMENT],
        Filter.SUPPORT_CHANNEL: _FIND[Filter.SUPPORT_CHANNEL],
    },
    # 6. 융합서비스: 기업 유형, 제공 유형, 몰 등록, 혁신제품, 제공 서류 (1) SLA 서류,
    #    지원체계 중 (4) 웹채팅 지원 제외
    SearchPage.CONVERGENCE: {
        Filter.COMPANY_SIZE: _FIND[Filter.COMPANY_SIZE],
        Filter.PROVIDER_TYPE: _FIND[Filter.PROVIDER_TYPE],
        Filter.MALL_LISTED: None,
        Filter.INNOVATION_PRODUCT: None,
        Filter.DOCUMENT: frozenset({DocumentKind.SLA}),
        Filter.SUPPORT_CHANNEL: frozenset({
            SupportChannel.CALL_CENTER, SupportChannel.EMAIL_ONLINE, SupportChannel.PHONE,
            SupportChannel.ONSITE}),
    },
}

# Every value a filter can take anywhere (None: a yes/no filter).
VOCABULARY: dict[Filter, Offered] = {
    Filter.SERVICE_TYPE: frozenset(ServiceType),
    Filter.SUPPORT_KIND: frozenset(SupportKind),
    Filter.COMPANY_SIZE: frozenset(CompanySize),
    Filter.PROVIDER_TYPE: frozenset(ProviderType),
    Filter.MALL_LISTED: None,
    Filter.INNOVATION_PRODUCT: None,
    Filter.CERTIFICATION: frozenset(CertificationKind),
    Filter.DOCUMENT: frozenset(DocumentKind),
    Filter.SUPPORT_CHANNEL: frozenset(SupportChannel),
}

OFFERED = [(page, flt) for page, filters in GUIDELINE.items() for flt in filters]
NOT_OFFERED = [(page, flt) for page, filters in GUIDELINE.items() for flt in Filter
               if flt not in filters]
OFFERED_VALUES = [(page, flt, value) for page, filters in GUIDELINE.items()
                  for flt, values in filters.items() if values is not None
                  for value in sorted(values, key=lambda member: str(member.value))]
NOT_OFFERED_VALUES = [(page, flt, value) for page, filters in GUIDELINE.items()
                      for flt, values in filters.items() if values is not None
                      for value in sorted(VOCABULARY[flt] or (), key=lambda m: str(m.value))
                      if value not in values]


def _id(*parts: Any) -> str:
    return "-".join(part.value if isinstance(part, enum.Enum) else str(part) for part in parts)


def conditions(page: SearchPage, flt: Filter, value: Offered | bool) -> SearchConditions:
    setting = True if value is None else value
    return msgspec.structs.replace(SearchConditions(page=page), **{flt.value: setting})


def refusal(conditions: SearchConditions) -> RuleViolation:
    with pytest.raises(RuleViolation) as excinfo:
        validate_conditions(conditions)
    return excinfo.value


def assert_refused(conditions: SearchConditions, rule: Rule, field: str) -> RuleViolation:
    violation = refusal(conditions)
    assert violation.rule is rule
    assert violation.field == field
    return violation


def test_the_annex_table_matches_the_guideline() -> None:
    assert ANNEX == GUIDELINE


def test_there_are_six_search_pages_each_restricted_to_its_service_type() -> None:
    assert [page.ko for page in SearchPage] == ["찾기", "IaaS", "PaaS", "SaaS", "지원서비스",
                                                "융합서비스"]
    assert SearchPage.ALL.service_type is None
    assert [page.service_type for page in SearchPage if page is not SearchPage.ALL] == [
        ServiceType.IAAS, ServiceType.PAAS, ServiceType.SAAS, ServiceType.SUPPORT,
        ServiceType.CONVERGENCE]


@pytest.mark.parametrize(("page", "flt"), OFFERED, ids=[_id(*case) for case in OFFERED])
def test_each_filter_the_annex_puts_on_a_page_is_accepted_with_all_its_values(
        page: SearchPage, flt: Filter) -> None:
    validate_conditions(conditions(page, flt, GUIDELINE[page][flt]))


@pytest.mark.parametrize(("page", "flt", "value"), OFFERED_VALUES,
                         ids=[_id(*case) for case in OFFERED_VALUES])
def test_each_value_the_annex_offers_on_a_page_is_accepted_alone(
        page: SearchPage, flt: Filter, value: enum.Enum) -> None:
    validate_conditions(conditions(page, flt, frozenset({value})))


@pytest.mark.parametrize("page", list(SearchPage))
def test_all_of_a_pages_filters_can_be_used_together(page: SearchPage) -> None:
    every = SearchConditions(page=page, keywords="클라우드 민원")
    for flt, values in GUIDELINE[page].items():
        every = msgspec.structs.replace(every, **{flt.value: True if values is None else values})

    validate_conditions(every)
    assert set(every.used_filters()) == set(GUIDELINE[page])


@pytest.mark.parametrize(("page", "flt"), NOT_OFFERED, ids=[_id(*case) for case in NOT_OFFERED])
def test_a_filter_the_annex_does_not_put_on_a_page_is_refused(
        page: SearchPage, flt: Filter) -> None:
    violation = assert_refused(conditions(page, flt, VOCABULARY[flt]),
                               rules.SEARCH_FILTER_NOT_ON_PAGE, flt.value)

    assert violation.params["page"] == page.value
    assert violation.params["filter"] == flt.value
    assert set(violation.params["offered"].split(", ")) == {f.value for f in GUIDELINE[page]}


@pytest.mark.parametrize(("page", "flt", "value"), NOT_OFFERED_VALUES,
                         ids=[_id(*case) for case in NOT_OFFERED_VALUES])
def test_a_value_the_annex_does_not_offer_on_a_page_is_refused(
        page: SearchPage, flt: Filter, value: enum.Enum) -> None:
    violation = assert_refused(conditions(page, flt, frozenset({value})),
                               rules.SEARCH_VALUE_NOT_ON_PAGE, flt.value)

    assert violation.params["value"] == value.value


def test_the_convergence_page_offers_only_the_sla_document() -> None:
    violation = assert_refused(
        SearchConditions(page=SearchPage.CONVERGENCE, document=frozenset(DocumentKind)),
        rules.SEARCH_VALUE_NOT_ON_PAGE, "document")

    assert violation.params["value"] == "terms"
    assert violation.params["offered"] == "SLA"


def test_the_convergence_page_offers_no_web_chat_filter() -> None:
    violation = assert_refused(
        SearchConditions(page=SearchPage.CONVERGENCE,
                         support_channel=frozenset({SupportChannel.ONSITE,
                                                    SupportChannel.WEB_CHAT})),
        rules.SEARCH_VALUE_NOT_ON_PAGE, "support_channel")

    assert violation.params["value"] == "web_chat"
    assert "web_chat" not in violation.params["offered"].split(", ")


def test_the_find_page_offers_web_chat_and_the_terms_of_use() -> None:
    validate_conditions(SearchConditions(page=SearchPage.ALL,
                                         support_channel=frozenset({SupportChannel.WEB_CHAT}),
                                         document=frozenset({DocumentKind.TERMS})))


def test_the_support_page_offers_no_provider_type_and_no_certifications() -> None:
    for flt, value in ((Filter.PROVIDER_TYPE, frozenset({ProviderType.ORIGINAL})),
                       (Filter.CERTIFICATION, frozenset({CertificationKind.CSAP}))):
        assert_refused(conditions(SearchPage.SUPPORT, flt, value),
                       rules.SEARCH_FILTER_NOT_ON_PAGE, flt.value)


def test_the_saas_page_offers_no_documents_and_no_support_channels() -> None:
    for flt, value in ((Filter.DOCUMENT, frozenset({DocumentKind.SLA})),
                       (Filter.SUPPORT_CHANNEL, frozenset({SupportChannel.PHONE}))):
        assert_refused(conditions(SearchPage.SAAS, flt, value),
                       rules.SEARCH_FILTER_NOT_ON_PAGE, flt.value)


@pytest.mark.parametrize("page", [page for page in SearchPage if page is not SearchPage.ALL])
def test_only_the_find_page_filters_by_service_type(page: SearchPage) -> None:
    assert_refused(SearchConditions(page=page, service_type=frozenset({ServiceType.IAAS})),
                   rules.SEARCH_FILTER_NOT_ON_PAGE, "service_type")


@pytest.mark.parametrize("page", list(SearchPage))
def test_an_unticked_yes_no_filter_is_not_a_filter(page: SearchPage) -> None:
    unticked = SearchConditions(page=page, mall_listed=False, innovation_product=False)

    validate_conditions(unticked)
    assert unticked.used_filters() == {}


# --- keywords (③ 서비스 검색·저장) ---------------------------------------------------------------


def test_keywords_of_the_maximum_length_are_accepted() -> None:
    validate_conditions(SearchConditions(keywords="가" * MAX_KEYWORDS_LENGTH))


def test_keywords_longer_than_the_maximum_are_refused() -> None:
    violation = assert_refused(SearchConditions(keywords="가" * (MAX_KEYWORDS_LENGTH + 1)),
                               rules.SEARCH_KEYWORDS, "keywords")

    assert str(MAX_KEYWORDS_LENGTH) in violation.message_en


def test_keywords_of_the_maximum_number_of_terms_are_accepted() -> None:
    terms = "\u3000 ".join(f"단어{n}" for n in range(MAX_KEYWORD_TERMS))

    validate_conditions(SearchConditions(keywords=f"  {terms}  "))


@pytest.mark.parametrize("separator", [" ", "\u3000", "  \t"])
def test_more_keyword_terms_than_the_maximum_are_refused_however_they_are_spaced(
        separator: str) -> None:
    terms = separator.join(f"단어{n}" for n in range(MAX_KEYWORD_TERMS + 1))

    violation = assert_refused(SearchConditions(keywords=terms), rules.SEARCH_KEYWORDS,
                               "keywords")

    assert str(MAX_KEYWORD_TERMS) in violation.message_en


def test_keyword_terms_are_read_normalised() -> None:
    assert SearchConditions(keywords=" Ｃｌｏｕｄ\u3000  민원   시스템 ").keyword_terms == [
        "cloud", "민원", "시스템"]


def test_the_limits_are_those_of_the_support_system() -> None:
    assert (MAX_KEYWORDS_LENGTH, MAX_KEYWORD_TERMS) == (200, 10)
