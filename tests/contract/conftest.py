"""Awarded procurements to conclude contracts from, and the contract terms an officer writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.contract_terms import (
    ContractKind,
    ContractTerms,
    Indicator,
    SlaAnnex,
    SlaTarget,
    UnitPrice,
)
from domain.procurement import CandidateScore, Criterion, Evaluation, ProcurementMethod
from domain.requirements import Clause
from domain.search import SearchConditions, SearchPage
from domain.values import PricingModel, ServiceType
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.procurement.conftest import (  # noqa: F401 - fixtures shared with these tests
    AGENCY_ID,
    OFFICER,
    budget,
    catalogue,
    context,
    reader,
    requirements,
)

AGENCY = context(OFFICER)
STANDARD = (
    Criterion(key="tco", label="총소유비용", weight=Decimal(40)),
    Criterion(key="technical_fit", label="기능 적합성", weight=Decimal(30)),
    Criterion(key="customer_support", label="고객지원", weight=Decimal(15)),
    Criterion(key="performance_stability", label="성능·안정성", weight=Decimal(15)),
)


def sla() -> SlaAnnex:
    return SlaAnnex(
        service_target="민원 시스템 IaaS 및 이전 지원", scope="가상서버 20대, 스토리지 10TB",
        period="계약기간 전체, 월 단위 측정",
        targets=(SlaTarget(indicator=Indicator.AVAILABILITY, target=Decimal("99.5")),
                 SlaTarget(indicator=Indicator.RECOVERY, target=Decimal(60)),
                 SlaTarget(indicator=Indicator.BACKUP, target=Decimal(100))),
        grades="우수 ≥ 99.9, 보통 ≥ 99.5, 미흡 < 99.5", evaluation_method="월간 보고서 검토 후 등급 판정",
        result_management="미흡 2회 연속 시 개선 요구, 3회 시 위약금",
    )


def terms(**overrides: object) -> ContractTerms:
    values: dict[str, object] = {
        "kind": ContractKind.SINGLE_YEAR, "start": date(2026, 4, 1), "end": date(2026, 12, 31),
        "pricing_model": PricingModel.METERED, "total_amount_krw": Decimal(240_000_000),
        "unit_prices": (UnitPrice(item="vCPU", unit="vCPU-시간", price_krw=Decimal(55)),),
        "sla": sla(), "subcontracted_parts": ("야간 관제",),
        "data_return_clause": "종료 30일 전까지 표준 형식으로 반환, 이후 파기 확인서 제출",
        "lock_in_clause": "특정 제공자 전용 형식 사용 금지, 이관 협조",
        "standard_form_used": True, "deposit_krw": Decimal(24_000_000),
    }
    values.update(overrides)
    return ContractTerms(**values)  # type: ignore[arg-type]


def awarded(runtime: Runtime, searcher: CatalogueReader, service_ids: dict[str, str],
            method: ProcurementMethod = ProcurementMethod.SELF,
            reference: str = "결재-2026-001") -> UUID:
    """IaaS + migration support, joint award (self) or the mall-listed top IaaS (central)."""
    ledger = runtime.ledger
    pid = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference=reference,
                                  title="민원시스템 클라우드 전환", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(AGENCY, pid, budget())
    ledger.define_requirements(AGENCY, pid, requirements())
    conditions = SearchConditions(page=SearchPage.ALL, service_type=frozenset(
        {ServiceType.IAAS, ServiceType.SUPPORT}))
    search_id = ledger.record_search(AGENCY, pid, conditions, searcher).recorded_id
    assert search_id is not None
    ledger.save_search(AGENCY, pid, search_id)
    ledger.choose_procurement_method(AGENCY, pid, method)
    gpu, sea, field, move = (service_ids[n] for n in ("N-01", "N-02", "N-03", "N-04"))
    ledger.exclude_candidate(AGENCY, pid, field, Clause.CERTIFICATIONS, "CSAP 미보유")
    ledger.record_evaluation(AGENCY, pid, Evaluation(criteria=STANDARD, scores=tuple(
        CandidateScore(service_id=s, scores={c.key: Decimal(v) for c in STANDARD})
        for s, v in ((gpu, 90), (sea, 80), (move, 70)))))
    chosen = [gpu, move] if method is ProcurementMethod.SELF else [gpu]
    ledger.award(AGENCY, pid, chosen, "평가 1순위")
    return pid
