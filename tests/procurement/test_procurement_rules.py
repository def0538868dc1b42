"""Steps ① to ⑤ on the ledger, on SQLite and PostgreSQL: each rule refuses its forbidden case with a
clear error and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain import rules
from domain.actor import Actor, Role
from domain.procurement import (
    CandidateScore,
    CommunicationChannel,
    Criterion,
    Evaluation,
    Procurement,
    ProcurementMethod,
    ProcurementStatus,
    Quote,
)
from domain.requirements import Clause
from domain.rules import Rule, RuleViolation
from domain.search import SearchConditions, SearchPage
from domain.values import CertificationKind, ServiceType, SupportKind
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.procurement.conftest import (
    AGENCY_ID,
    OFFICER,
    OPERATOR,
    budget,
    context,
    provider_context,
    requirements,
)

AGENCY = context(OFFICER)
IAAS_CSAP = SearchConditions(page=SearchPage.IAAS, certification=frozenset({CertificationKind.CSAP}))
IAAS_AND_MIGRATION = SearchConditions(
    page=SearchPage.ALL, service_type=frozenset({ServiceType.IAAS, ServiceType.SUPPORT}))


def refused(runtime: Runtime, rule: Rule, call: Callable[[], Any],
            field: str | None = None) -> RuleViolation:
    before = runtime.projector.head()
    with pytest.raises(RuleViolation) as caught:
        call()
    assert caught.value.rule is rule, caught.value
    if field is not None:
        assert caught.value.field == field
    assert runtime.projector.head() == before, "a refused command must record nothing"
    return caught.value


def opened(runtime: Runtime, reference: str = "결재-2026-001") -> UUID:
    return runtime.ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference=reference,
                                           title="민원시스템 클라우드 전환", fiscal_year=2026,
                                           ).aggregate_id


def prepared(runtime: Runtime, **requirement_overrides: Any) -> UUID:
    pid = opened(runtime)
    runtime.ledger.confirm_budget(AGENCY, pid, budget())
    runtime.ledger.define_requirements(AGENCY, pid, requirements(**requirement_overrides))
    return pid


def searched(runtime: Runtime, reader: CatalogueReader, pid: UUID,
             conditions: SearchConditions = IAAS_CSAP, save: bool = True) -> str:
    result = runtime.ledger.record_search(AGENCY, pid, conditions, reader)
    assert result.recorded_id is not None
    if save:
        runtime.ledger.save_search(AGENCY, pid, result.recorded_id)
    return result.recorded_id


def load(runtime: Runtime, pid: UUID) -> Procurement:
    return runtime.ledger.load(Procurement, pid)


STANDARD = (
    Criterion(key="tco", label="총소유비용", weight=Decimal(40)),
    Criterion(key="technical_fit", label="기능 적합성", weight=Decimal(30)),
    Criterion(key="customer_support", label="고객지원", weight=Decimal(15)),
    Criterion(key="performance_stability", label="성능·안정성", weight=Decimal(15)),
)


def scores(*pairs: tuple[str, int]) -> tuple[CandidateScore, ...]:
    return tuple(CandidateScore(service_id=service_id,
                                scores={c.key: Decimal(value) for c in STANDARD})
                 for service_id, value in pairs)


# --- ① ② budget and requirements ------------------------------------------------------------
def test_requirements_need_a_confirmed_budget(runtime: Runtime) -> None:
    pid = opened(runtime)
    refused(runtime, rules.PROCUREMENT_BUDGET_REQUIRED,
            lambda: runtime.ledger.define_requirements(AGENCY, pid, requirements()))


def test_the_requirements_may_not_exceed_the_confirmed_budget(runtime: Runtime) -> None:
    pid = opened(runtime)
    runtime.ledger.confirm_budget(AGENCY, pid, budget(total=100_000_000))
    violation = refused(runtime, rules.REQUIREMENTS_EXCEED_BUDGET,
                        lambda: runtime.ledger.define_requirements(AGENCY, pid, requirements()),
                        field="budget_krw")
    assert "250,000,000" in violation.message_en and "100,000,000" in violation.message_ko


@pytest.mark.parametrize(("section", "empty"), [
    ("purpose", "  "), ("usage_environment", ""), ("functional_requirements", ()),
    ("service_types", frozenset()), ("usage_months", 0),
])
def test_every_checklist_section_must_be_stated(runtime: Runtime, section: str,
                                                empty: object) -> None:
    pid = opened(runtime)
    runtime.ledger.confirm_budget(AGENCY, pid, budget())
    refused(runtime, rules.REQUIREMENTS_SECTION_MISSING,
            lambda: runtime.ledger.define_requirements(AGENCY, pid,
                                                       requirements(**{section: empty})),
            field=section)


def test_a_budget_needs_positive_lines(runtime: Runtime) -> None:
    pid = opened(runtime)
    from domain.requirements import Budget, BudgetCategory, BudgetItem, BudgetLine
    from domain.values import PricingModel

    bad = Budget(lines=(BudgetLine(item=BudgetItem.USAGE_FEE, amount_krw=Decimal(0)),),
                 category=BudgetCategory.RENT, pricing_model=PricingModel.FLAT)
    refused(runtime, rules.PROCUREMENT_BUDGET_LINES,
            lambda: runtime.ledger.confirm_budget(AGENCY, pid, bad))


def test_the_same_procurement_reference_cannot_be_opened_twice(runtime: Runtime) -> None:
    opened(runtime)
    refused(runtime, rules.PROCUREMENT_ALREADY_OPEN, lambda: opened(runtime))


def test_an_agency_acts_only_on_its_own_procurements(runtime: Runtime,
                                                      catalogue: dict[str, str]) -> None:
    pid = prepared(runtime)
    busan = context(Actor(principal_id="officer@busan", role=Role.AGENCY, agency_id="AG-BUSAN"))
    refused(runtime, rules.AUTH_NOT_OWNER,
            lambda: runtime.ledger.choose_procurement_method(busan, pid, ProcurementMethod.SELF))
    refused(runtime, rules.AUTH_NOT_OWNER,
            lambda: runtime.ledger.open_procurement(busan, agency_id=AGENCY_ID, reference="x",
                                                    title="남의 기관 명의", fiscal_year=2026))
    refused(runtime, rules.AUTH_NOT_OWNER,
            lambda: runtime.ledger.abandon_procurement(context(OPERATOR), pid, "운영기관"))


# --- ③ search ---------------------------------------------------------------------------------
def test_a_search_needs_the_requirements_first(runtime: Runtime, catalogue: dict[str, str],
                                               reader: CatalogueReader) -> None:
    pid = opened(runtime)
    refused(runtime, rules.PROCUREMENT_REQUIREMENTS_REQUIRED,
            lambda: runtime.ledger.record_search(AGENCY, pid, IAAS_CSAP, reader))


@pytest.mark.parametrize("keywords", [
    "하늘 GPU 서버",  # a service's exact name
    "하늘GPU서버",  # … without its spaces
    "ＧＰＵ 하늘 gpu서버",  # … full width, case and order of the words around it
    "PRV-BADA",  # a provider's name without its legal form (㈜)
    "prv-bada ㈜ 서버",
])
def test_keywords_that_name_a_company_or_service_are_refused(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader, keywords: str
) -> None:
    pid = prepared(runtime)
    conditions = SearchConditions(page=SearchPage.IAAS, keywords=keywords)
    violation = refused(runtime, rules.SEARCH_VENDOR_KEYWORD,
                        lambda: runtime.ledger.record_search(AGENCY, pid, conditions, reader),
                        field="keywords")
    assert "기업명이나 서비스명" in violation.message_ko


def test_functional_keywords_are_recorded_with_the_catalogue_as_it_was(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    conditions = SearchConditions(page=SearchPage.IAAS, keywords="GPU 서버",
                                  certification=frozenset({CertificationKind.CSAP}))
    search_id = searched(runtime, reader, pid, conditions, save=False)
    recorded = load(runtime, pid).searches[search_id]
    assert [entry.name for entry in recorded.results] == ["하늘 GPU 서버"]
    assert recorded.catalogue_position == runtime.projector.position()
    assert recorded.results[0].certifications == [CertificationKind.CSAP]
    # The catalogue changes afterwards; the evidence does not.
    runtime.ledger.revoke_certification(context(OPERATOR), UUID(catalogue["N-01"]),
                                        CertificationKind.CSAP, "CSAP-N-01", "취소")
    runtime.projector.catch_up()
    again = load(runtime, pid).searches[search_id]
    assert again.results[0].certifications == [CertificationKind.CSAP]
    assert reader.search(conditions).hits == []


def test_a_refinement_names_the_search_it_refines(runtime: Runtime, catalogue: dict[str, str],
                                                  reader: CatalogueReader) -> None:
    pid = prepared(runtime)
    first = searched(runtime, reader, pid, IAAS_AND_MIGRATION, save=False)
    narrower = SearchConditions(page=SearchPage.IAAS, mall_listed=True,
                                certification=frozenset({CertificationKind.CSAP}))
    result = runtime.ledger.record_search(AGENCY, pid, narrower, reader, refines=first)
    assert load(runtime, pid).searches[str(result.recorded_id)].refines == first
    refused(runtime, rules.SEARCH_UNKNOWN,
            lambda: runtime.ledger.record_search(AGENCY, pid, narrower, reader, refines="S-99"))


def test_revising_the_requirements_makes_earlier_searches_stale(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    old = searched(runtime, reader, pid)
    runtime.ledger.define_requirements(AGENCY, pid, requirements(usage_months=36))
    assert load(runtime, pid).requirements_version == 2
    refused(runtime, rules.SEARCH_STALE, lambda: runtime.ledger.save_search(AGENCY, pid, old))
    refused(runtime, rules.SEARCH_SAVED_REQUIRED,
            lambda: runtime.ledger.request_quote(AGENCY, pid, catalogue["N-01"],
                                                 date(2026, 3, 20), "견적 요청"))


# --- ⑤ candidates, quotes and proposals -------------------------------------------------------
def test_quotes_go_only_to_the_saved_search_results_never_to_another_searchs(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION, save=False)  # finds the migration service
    searched(runtime, reader, pid, IAAS_CSAP)  # saved: IaaS with CSAP only
    refused(runtime, rules.SELECTION_NOT_CANDIDATE,
            lambda: runtime.ledger.request_quote(AGENCY, pid, catalogue["N-04"],
                                                 date(2026, 3, 20), "견적"),
            field="service_id")


def test_the_candidate_list_is_fixed_once_quotes_are_requested(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    runtime.ledger.request_quote(AGENCY, pid, catalogue["N-01"], date(2026, 3, 20), "견적")
    other = searched(runtime, reader, pid, IAAS_AND_MIGRATION, save=False)
    refused(runtime, rules.SEARCH_CANDIDATES_FIXED,
            lambda: runtime.ledger.save_search(AGENCY, pid, other))


def test_only_the_candidates_own_provider_answers_a_quote_once(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    service = catalogue["N-01"]
    quote = Quote(service_id=service, amount_krw=Decimal(120_000_000),
                  valid_until=date(2026, 6, 30), document_ref="견적서-001.pdf", detail="GPU 4대")
    refused(runtime, rules.QUOTE_NOT_REQUESTED,
            lambda: runtime.ledger.submit_quote(provider_context("PRV-HANEUL"), pid, quote))
    runtime.ledger.request_quote(AGENCY, pid, service, date(2026, 3, 20), "견적")
    refused(runtime, rules.QUOTE_ALREADY_REQUESTED,
            lambda: runtime.ledger.request_quote(AGENCY, pid, service, date(2026, 3, 20), "다시"))
    refused(runtime, rules.QUOTE_NOT_OWN_PROVIDER,
            lambda: runtime.ledger.submit_quote(provider_context("PRV-BADA"), pid, quote))
    refused(runtime, rules.QUOTE_NOT_OWN_PROVIDER,
            lambda: runtime.ledger.submit_quote(AGENCY, pid, quote))
    refused(runtime, rules.QUOTE_TERMS,
            lambda: runtime.ledger.submit_quote(
                provider_context("PRV-HANEUL"), pid,
                Quote(service_id=service, amount_krw=Decimal(0), valid_until=date(2026, 6, 30),
                      document_ref="x", detail="")), field="amount_krw")
    refused(runtime, rules.QUOTE_TERMS,
            lambda: runtime.ledger.submit_quote(
                provider_context("PRV-HANEUL"), pid,
                Quote(service_id=service, amount_krw=Decimal(1), valid_until=date(2026, 3, 1),
                      document_ref="x", detail="")), field="valid_until")
    runtime.ledger.submit_quote(provider_context("PRV-HANEUL"), pid, quote)
    refused(runtime, rules.QUOTE_NOT_REQUESTED,
            lambda: runtime.ledger.decline_quote(provider_context("PRV-HANEUL"), pid, service,
                                                 "재고 없음"))
    assert load(runtime, pid).quotes[service] == quote


def test_a_candidate_suspended_after_the_search_cannot_be_quoted(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    runtime.ledger.suspend_service(context(OPERATOR), UUID(catalogue["N-02"]), "품질 점검")
    refused(runtime, rules.SERVICE_NOT_ACTIVE,
            lambda: runtime.ledger.request_quote(AGENCY, pid, catalogue["N-02"],
                                                 date(2026, 3, 20), "견적"))


def test_proposals_are_requested_from_candidates_and_answered_by_their_provider(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    service = catalogue["N-02"]
    runtime.ledger.request_proposal(AGENCY, pid, service, date(2026, 3, 25), "기술 제안서")
    refused(runtime, rules.QUOTE_NOT_OWN_PROVIDER,
            lambda: runtime.ledger.submit_proposal(provider_context("PRV-HANEUL"), pid, service,
                                                   "제안서.pdf", "요약"))
    runtime.ledger.submit_proposal(provider_context("PRV-BADA"), pid, service, "제안서.pdf",
                                   "이중화 구성")
    assert load(runtime, pid).proposals[service] == "제안서.pdf"


# --- ⑤ exclusions -----------------------------------------------------------------------------
def test_an_exclusion_must_cite_a_clause_the_requirements_state(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    refused(runtime, rules.EXCLUSION_CLAUSE_NOT_STATED,
            lambda: runtime.ledger.exclude_candidate(AGENCY, pid, catalogue["N-01"],
                                                     Clause.PENALTIES, "위약금 조건"),
            field="clause")


@pytest.mark.parametrize(("notice", "clause"), [
    ("N-01", Clause.CERTIFICATIONS),  # it holds CSAP
    ("N-01", Clause.SERVICE_TYPE),  # IaaS is a required type
    ("N-02", Clause.SUPPORT_CHANNELS),  # it runs a call centre
])
def test_a_candidate_cannot_be_excluded_for_a_requirement_it_meets(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader, notice: str,
    clause: Clause
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    refused(runtime, rules.EXCLUSION_NOT_GROUNDED,
            lambda: runtime.ledger.exclude_candidate(AGENCY, pid, catalogue[notice], clause,
                                                     "부당한 제외"))


def test_a_judgement_exclusion_must_point_at_recorded_evidence(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    gpu = catalogue["N-02"]
    refused(runtime, rules.EXCLUSION_EVIDENCE_REQUIRED,
            lambda: runtime.ledger.exclude_candidate(AGENCY, pid, gpu, Clause.FUNCTIONS,
                                                     "GPU 미제공"), field="evidence")
    inquiry = runtime.ledger.record_inquiry(AGENCY, pid, gpu, "GPU 서버를 제공합니까?",
                                            "제공하지 않습니다.").recorded_id
    other = runtime.ledger.record_inquiry(AGENCY, pid, catalogue["N-01"], "GPU?", "예").recorded_id
    refused(runtime, rules.EXCLUSION_EVIDENCE_REQUIRED,
            lambda: runtime.ledger.exclude_candidate(AGENCY, pid, gpu, Clause.FUNCTIONS,
                                                     "GPU 미제공", f"inquiry:{other}"))
    runtime.ledger.exclude_candidate(AGENCY, pid, gpu, Clause.FUNCTIONS, "GPU 미제공",
                                     f"inquiry:{inquiry}")
    assert load(runtime, pid).exclusions[gpu].clause == "2-2"
    refused(runtime, rules.SELECTION_EXCLUDED,
            lambda: runtime.ledger.request_quote(AGENCY, pid, gpu, date(2026, 3, 20), "견적"))


def test_a_candidate_lacking_a_required_certificate_may_be_excluded(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    runtime.ledger.exclude_candidate(AGENCY, pid, catalogue["N-03"], Clause.CERTIFICATIONS,
                                     "CSAP 미보유")
    assert catalogue["N-03"] not in load(runtime, pid).remaining_candidates()


def test_a_budget_exclusion_needs_a_quote_above_the_budget(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    service = catalogue["N-01"]
    refused(runtime, rules.EXCLUSION_EVIDENCE_REQUIRED,
            lambda: runtime.ledger.exclude_candidate(AGENCY, pid, service, Clause.BUDGET, "예산"))
    runtime.ledger.request_quote(AGENCY, pid, service, date(2026, 3, 20), "견적")
    runtime.ledger.submit_quote(provider_context("PRV-HANEUL"), pid, Quote(
        service_id=service, amount_krw=Decimal(260_000_000), valid_until=date(2026, 6, 30),
        document_ref="q.pdf", detail=""))
    runtime.ledger.exclude_candidate(AGENCY, pid, service, Clause.BUDGET, "예산 초과 견적")


# --- ⑤ evaluation and award ---------------------------------------------------------------
@pytest.mark.parametrize(("criteria", "problem"), [
    (STANDARD[:3], "missing"),
    ((*STANDARD[:3], Criterion(key="performance_stability", label="x", weight=Decimal(10))),
     "add up to 100"),
    ((*STANDARD, Criterion(key="tco", label="again", weight=Decimal(0))), "each criterion once"),
])
def test_evaluation_criteria_are_the_guidelines_four_weighted_to_100(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader,
    criteria: tuple[Criterion, ...], problem: str
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    evaluation = Evaluation(criteria=criteria, scores=())
    violation = refused(runtime, rules.EVALUATION_CRITERIA,
                        lambda: runtime.ledger.record_evaluation(AGENCY, pid, evaluation))
    assert problem in violation.message_en


def test_an_evaluation_scores_every_remaining_candidate_and_no_one_else(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    one, two = catalogue["N-01"], catalogue["N-02"]
    for bad in (scores((one, 80)), scores((one, 80), (two, 70), (catalogue["N-04"], 10)),
                scores((one, 80), (one, 90), (two, 70))):
        refused(runtime, rules.EVALUATION_SCORES, lambda bad=bad: runtime.ledger.record_evaluation(
            AGENCY, pid, Evaluation(criteria=STANDARD, scores=bad)))
    out_of_range = (CandidateScore(service_id=one, scores={c.key: Decimal(101) for c in STANDARD}),
                    *scores((two, 70)))
    refused(runtime, rules.EVALUATION_SCORES, lambda: runtime.ledger.record_evaluation(
        AGENCY, pid, Evaluation(criteria=STANDARD, scores=out_of_range)))


def test_with_several_candidates_the_award_needs_a_current_evaluation(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.SELF)
    gpu, sea, field, move = (catalogue[n] for n in ("N-01", "N-02", "N-03", "N-04"))
    refused(runtime, rules.EVALUATION_REQUIRED,
            lambda: runtime.ledger.award(AGENCY, pid, [gpu], "최고점"))
    runtime.ledger.record_evaluation(AGENCY, pid, Evaluation(
        criteria=STANDARD, scores=scores((gpu, 90), (sea, 80), (field, 60), (move, 70))))
    runtime.ledger.exclude_candidate(AGENCY, pid, field, Clause.CERTIFICATIONS, "CSAP 미보유")
    refused(runtime, rules.EVALUATION_REQUIRED,
            lambda: runtime.ledger.award(AGENCY, pid, [gpu, move], "최고점"))


def test_the_award_follows_the_ranking_or_records_why_not(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.SELF)
    gpu, sea, field, move = (catalogue[n] for n in ("N-01", "N-02", "N-03", "N-04"))
    runtime.ledger.exclude_candidate(AGENCY, pid, field, Clause.CERTIFICATIONS, "CSAP 미보유")
    runtime.ledger.record_evaluation(AGENCY, pid, Evaluation(
        criteria=STANDARD, scores=scores((gpu, 90), (sea, 80), (move, 70))))
    violation = refused(runtime, rules.AWARD_NOT_TOP_RANKED,
                        lambda: runtime.ledger.award(AGENCY, pid, [sea, move], "공동계약"),
                        field="deviation_reason")
    assert gpu in violation.message_en
    refused(runtime, rules.SELECTION_EXCLUDED,
            lambda: runtime.ledger.award(AGENCY, pid, [field], "제외된 후보"))
    runtime.ledger.award(AGENCY, pid, [sea, move], "공동계약",
                         deviation_reason="1순위 서비스의 가용영역이 기관 망과 연결되지 않음")
    assert load(runtime, pid).status is ProcurementStatus.AWARDED


def test_a_joint_award_of_the_top_ranked_service_of_each_type_needs_no_reason(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.SELF)
    gpu, sea, field, move = (catalogue[n] for n in ("N-01", "N-02", "N-03", "N-04"))
    runtime.ledger.record_evaluation(AGENCY, pid, Evaluation(
        criteria=STANDARD, scores=scores((gpu, 90), (sea, 80), (field, 60), (move, 50))))
    runtime.ledger.award(AGENCY, pid, [gpu, move], "IaaS 1순위와 이전 지원 1순위 공동계약")
    procurement = load(runtime, pid)
    assert procurement.awarded_service_ids == [gpu, move]
    refused(runtime, rules.PROCUREMENT_CLOSED,
            lambda: runtime.ledger.abandon_procurement(AGENCY, pid, "취소"))


def test_central_procurement_awards_one_mall_listed_service(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_AND_MIGRATION)
    gpu, sea, field, move = (catalogue[n] for n in ("N-01", "N-02", "N-03", "N-04"))
    refused(runtime, rules.PROCUREMENT_METHOD_REQUIRED,
            lambda: runtime.ledger.award(AGENCY, pid, [gpu], "x"))
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.CENTRAL)
    runtime.ledger.record_evaluation(AGENCY, pid, Evaluation(
        criteria=STANDARD, scores=scores((gpu, 90), (sea, 80), (field, 60), (move, 70))))
    refused(runtime, rules.AWARD_CENTRAL_SINGLE_MALL,
            lambda: runtime.ledger.award(AGENCY, pid, [gpu, move], "공동"))
    refused(runtime, rules.AWARD_CENTRAL_SINGLE_MALL,
            lambda: runtime.ledger.award(AGENCY, pid, [move], "몰 미등록",
                                         deviation_reason="이전 지원만 필요"))
    runtime.ledger.award(AGENCY, pid, [gpu], "1순위, 디지털서비스몰 등록")


def test_a_single_result_may_be_awarded_on_the_search_evidence(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime, service_types=frozenset({ServiceType.SAAS}))
    searched(runtime, reader, pid, SearchConditions(page=SearchPage.SAAS, mall_listed=True))
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.CENTRAL)
    saas = catalogue["N-05"]
    refused(runtime, rules.SELECTION_NOT_CANDIDATE,
            lambda: runtime.ledger.award(AGENCY, pid, [catalogue["N-01"]], "후보 외"))
    runtime.ledger.award(AGENCY, pid, [saas], "검색 결과 단일")
    assert load(runtime, pid).awarded_service_ids == [saas]


def test_communications_and_inquiries_are_kept_with_the_procurement(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime)
    searched(runtime, reader, pid, IAAS_CSAP)
    runtime.ledger.log_communication(AGENCY, pid, catalogue["N-01"], CommunicationChannel.MEETING,
                                     "기술 협상 회의록", "회의록-0312.pdf")
    refused(runtime, rules.SELECTION_NOT_CANDIDATE,
            lambda: runtime.ledger.log_communication(AGENCY, pid, catalogue["N-05"],
                                                     CommunicationChannel.EMAIL, "x", ""))
    assert load(runtime, pid).evidence_refs(catalogue["N-01"]) == {"communication:C-1"}
    assert SupportKind.MIGRATION  # the catalogue carries a migration support service too


def test_sla_minimums_are_percentages_and_texts_are_not_blank(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    from domain.requirements import SlaMinimums

    pid = opened(runtime)
    runtime.ledger.confirm_budget(AGENCY, pid, budget())
    refused(runtime, rules.REQUIREMENTS_SLA_RANGE, lambda: runtime.ledger.define_requirements(
        AGENCY, pid, requirements(sla_minimums=SlaMinimums(availability_percent=Decimal(101)))),
        field="sla_minimums.availability_percent")
    refused(runtime, rules.PROCUREMENT_TEXT_REQUIRED,
            lambda: runtime.ledger.abandon_procurement(AGENCY, pid, "  "), field="reason")


def test_an_award_names_each_service_once(
    runtime: Runtime, catalogue: dict[str, str], reader: CatalogueReader
) -> None:
    pid = prepared(runtime, service_types=frozenset({ServiceType.SAAS}))
    searched(runtime, reader, pid, SearchConditions(page=SearchPage.SAAS))
    runtime.ledger.choose_procurement_method(AGENCY, pid, ProcurementMethod.SELF)
    saas = catalogue["N-05"]
    refused(runtime, rules.AWARD_SERVICES,
            lambda: runtime.ledger.award(AGENCY, pid, [saas, saas], "중복"))
    refused(runtime, rules.PROCUREMENT_NOT_FOUND, lambda: runtime.ledger.abandon_procurement(
        AGENCY, UUID("00000000-0000-0000-0000-000000000001"), "없음"))
