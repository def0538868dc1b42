"""Demo procurements and contracts, recorded through the same ledger commands an agency officer and
the candidates' providers call, on top of the demo catalogue (``dsledger.demo``).

Six procurements of four agencies: both methods, a joint award of two service types, exclusions
citing a checklist clause the candidate really fails, quotes, an evaluation of every remaining
candidate, five concluded contracts of every kind and pricing model with their disclosures
registered, and one procurement left open while quotes are being collected.

The candidates are whatever the recorded search answered, so the story follows the catalogue as it
stands (an operator may have suspended a service before a re-run); only the outcome is derived,
never typed in. Dates are counted from the day the demo is loaded, so obligations lie ahead of the
demo clock rather than firing the moment the scheduler starts; ``--now 2026-03-02`` gives the
canonical dates.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import msgspec

from domain.actor import KOREA, Actor, CommandContext, Role
from domain.agency import AgencyKind, Region
from domain.contract import Contract
from domain.contract_terms import (
    ContractKind,
    ContractTerms,
    DataExitClause,
    Indicator,
    NoticeChannel,
    SlaAnnex,
    SlaTarget,
    UnitPrice,
)
from domain.ledger import Ledger
from domain.procurement import CandidateScore, Criterion, Evaluation, Procurement, ProcurementMethod, Quote
from domain.requirements import Budget, BudgetCategory, BudgetItem, BudgetLine, Clause, Requirements
from domain.search import CatalogueEntry, SearchConditions, SearchPage
from domain.service import BusinessCessation, CessationScope, DigitalService
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricingModel,
    ProviderType,
    ServiceType,
    SupportChannel,
)
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader


class DemoAgency(msgspec.Struct, frozen=True):
    """A directory entry the operator registers before the agency's first procurement."""

    agency_id: str
    code: str
    """행정표준기관코드 (the administrative standard agency code)."""
    name_ko: str
    name_en: str
    kind: AgencyKind
    region: Region


DEMO_AGENCIES = (
    DemoAgency("AG-SEOUL", "6110000", "서울특별시", "Seoul Metropolitan Government",
               AgencyKind.LOCAL, Region.SEOUL),
    DemoAgency("AG-BUSAN", "6260000", "부산광역시", "Busan Metropolitan City",
               AgencyKind.LOCAL, Region.BUSAN),
    # The ministry sits in the Government Complex Sejong.
    DemoAgency("AG-MOIS", "1741000", "행정안전부", "Ministry of the Interior and Safety",
               AgencyKind.CENTRAL, Region.SEJONG),
    # A public institution's code carries a letter: B550928 is the code the NHIS's open-data
    # services are published under on data.go.kr, written from memory and not checked against
    # the 행정표준코드관리시스템 here; correct it there if it differs. Headquarters: Wonju.
    DemoAgency("AG-NHIS", "B550928", "국민건강보험공단", "National Health Insurance Service",
               AgencyKind.PUBLIC_INSTITUTION, Region.GANGWON),
)
AGENCY_NAMES = {agency.agency_id: agency.name_ko for agency in DEMO_AGENCIES}
_DEMO_AGENCY = {agency.agency_id: agency for agency in DEMO_AGENCIES}
_REGISTRAR = Actor(principal_id="nia-demo-loader", role=Role.OPERATOR)


def register_demo_agency(ledger: Ledger, agency_id: str, at: datetime) -> bool:
    """The operator registers one demo agency unless the directory has it already (loading twice
    records nothing); True when it was recorded now."""
    if ledger.registered_agency(agency_id) is not None:
        return False
    agency = _DEMO_AGENCY[agency_id]
    ledger.register_agency(
        CommandContext(actor=_REGISTRAR, correlation_id=f"demo-agency-{agency_id}", at=at),
        agency_id=agency.agency_id, code=agency.code, name_ko=agency.name_ko,
        name_en=agency.name_en, kind=agency.kind, region=agency.region)
    return True
OFFICERS = {"AG-SEOUL": "kim.jiwon@seoul.go.kr", "AG-BUSAN": "park.minho@busan.go.kr",
            "AG-MOIS": "lee.sora@mois.go.kr", "AG-NHIS": "choi.yuna@nhis.or.kr"}

CRITERIA = (
    Criterion(key="tco", label="총소유비용", weight=Decimal(40)),
    Criterion(key="technical_fit", label="기술적 장점 및 기능 적합성", weight=Decimal(30)),
    Criterion(key="customer_support", label="고객지원체계", weight=Decimal(15)),
    Criterion(key="performance_stability", label="성능 및 안정성", weight=Decimal(15)),
)

# Quotes of the candidates differ by a fixed spread around the expected price, in search order.
_QUOTE_SPREAD = (Decimal("1.00"), Decimal("1.07"), Decimal("0.96"), Decimal("1.12"),
                 Decimal("1.03"), Decimal("0.99"))


_DATA_RETURN = ("계약 종료 30일 전까지 기관 데이터 전체를 CSV·JSON 등 표준 형식으로 반환하고, 반환 확인 후 "
                "30일 이내 복구 불가능하게 파기하여 파기 확인서를 제출")
# The same clause as structured timing (Decree art. 19(6)): the deadlines count from it.
_DATA_EXIT = DataExitClause(
    return_method="기관 데이터 전체를 CSV·JSON 등 표준 형식으로 전용 회선(SFTP)을 통해 전달",
    return_days_before_end=30,
    destruction_method="복구 불가능한 덮어쓰기(영구 삭제) 후 파기 확인서 제출",
    destruction_days_after_end=30)
_LOCK_IN = ("제공자 전용 형식·API에 기관 데이터를 종속시키지 않으며, 계약 종료 시 후속 제공자로의 이관에 "
            "무상 협조")


class DemoProcurement(msgspec.Struct, frozen=True, kw_only=True):
    agency_id: str
    reference: str
    """The agency's approval document number: it fixes the procurement's (and contract's) id."""
    title: str
    method: ProcurementMethod
    budget: Budget
    requirements: Requirements
    conditions: SearchConditions
    award_types: tuple[ServiceType, ...]
    """One service of each type is awarded: two types make a joint award."""
    expected_price_krw: dict[ServiceType, Decimal]
    """Self procurement: what a quote is expected to be; central: the Mall delivery amount."""
    kind: ContractKind = ContractKind.SINGLE_YEAR
    months: int = 12
    pricing_model: PricingModel = PricingModel.FLAT
    sla: SlaAnnex | None = None
    data_return_clause: str = _DATA_RETURN
    data_exit: DataExitClause = _DATA_EXIT
    lock_in_clause: str = _LOCK_IN
    subcontracted_parts: tuple[str, ...] = ()
    over_budget_quote: bool = False
    """The last candidate quotes above the budget and is excluded under 3-1 on that quote."""
    stay_open: bool = False
    """Stop once the quotes are in: the procurement stays open with quote validities pending."""


class DemoContracts(msgspec.Struct, frozen=True):
    contracts: list[UUID]
    open_procurements: list[UUID]
    recorded: int
    """Procurements newly recorded by this load (0 when the demo was already there)."""
    ceasing_service: UUID | None = None
    """The service whose provider gives notice of ending that business (Decree art. 19(2))."""


    @property
    def featured(self) -> UUID:
        """The contract to open first: Seoul's joint award, two providers on one contract."""
        demo = DEMO_PROCUREMENTS[1]
        return Contract.create_id(f"procurement:{Procurement.create_id(demo.agency_id, demo.reference)}")

# The story of a provider ending a business: the GPU server contracted by 국민건강보험공단 is given
# up by its provider two months after the demo's day, with the contract still running.
CEASING_REFERENCE = "건보-빅데이터-2026-0088"
CESSATION_NOTICE_LEAD = timedelta(days=60)



def _sla(target: str, scope: str, availability: str, recovery: int,
         *extra: SlaTarget) -> SlaAnnex:
    return SlaAnnex(
        service_target=target, scope=scope, period="계약기간 전체, 월 단위 측정·보고",
        targets=(SlaTarget(indicator=Indicator.AVAILABILITY, target=Decimal(availability)),
                 SlaTarget(indicator=Indicator.RECOVERY, target=Decimal(recovery)), *extra),
        grades="우수: 목표 초과 달성, 보통: 목표 달성, 미흡: 목표 미달",
        evaluation_method="제공자의 월간 SLA 보고서를 수요기관이 검토하고 모니터링 기록과 대조",
        result_management="미흡 시 개선 요구(기한 15일), 2회 연속 미흡 시 월 이용료의 5% 위약금",
    )


def _budget(category: BudgetCategory, model: PricingModel,
            *lines: tuple[BudgetItem, int]) -> Budget:
    return Budget(lines=tuple(BudgetLine(item=item, amount_krw=Decimal(amount))
                              for item, amount in lines),
                  category=category, pricing_model=model)


DEMO_PROCUREMENTS: tuple[DemoProcurement, ...] = (
    DemoProcurement(
        agency_id="AG-SEOUL", reference="서울-디지털정책-2026-0112",
        title="120다산콜재단 민원 상담 챗봇 서비스 이용", method=ProcurementMethod.CENTRAL,
        budget=_budget(BudgetCategory.RENT, PricingModel.FLAT,
                       (BudgetItem.USAGE_FEE, 96_000_000)),
        requirements=Requirements(
            purpose="시민 민원 상담 챗봇으로 120 상담 대기시간 단축",
            usage_environment="상담원 150명, 월 40만 건 상담, 인터넷망, 개인정보 비식별 처리",
            network_separation=False, usage_months=9,
            functional_requirements=("민원 FAQ 자동 응답", "상담원 전환", "상담 이력 통계"),
            budget_krw=Decimal(90_000_000), service_types=frozenset({ServiceType.SAAS}),
            required_certifications=frozenset({CertificationKind.CSAP}),
            required_support_channels=frozenset({SupportChannel.WEB_CHAT}),
            data_protection="상담 이력은 국내 리전에만 저장, 종료 시 반환 후 파기"),
        conditions=SearchConditions(page=SearchPage.SAAS, keywords="챗봇", mall_listed=True,
                                    certification=frozenset({CertificationKind.CSAP})),
        award_types=(ServiceType.SAAS,),
        expected_price_krw={ServiceType.SAAS: Decimal(86_400_000)},
        kind=ContractKind.SINGLE_YEAR, pricing_model=PricingModel.FLAT,
        sla=_sla("120 민원 상담 챗봇 SaaS", "챗봇 응답·상담원 전환·통계 기능 전체", "99.5", 120,
                 SlaTarget(indicator=Indicator.RESPONSE_TIME, target=Decimal(1500)))),
    DemoProcurement(
        agency_id="AG-SEOUL", reference="서울-정보시스템-2026-0207",
        title="행정 데이터 백업 인프라 클라우드 전환 및 이전 지원", method=ProcurementMethod.SELF,
        budget=_budget(BudgetCategory.SERVICE_FEE, PricingModel.METERED,
                       (BudgetItem.USAGE_FEE, 260_000_000), (BudgetItem.MIGRATION, 90_000_000)),
        requirements=Requirements(
            purpose="노후 백업 장비를 클라우드로 전환하고 기존 데이터를 이전",
            usage_environment="백업 대상 420TB, 24개월, 행정망 연계, 국가정보원 보안지침 준수",
            network_separation=True, usage_months=24,
            functional_requirements=("블록·오브젝트 스토리지", "원격 복제", "데이터 이전 검증"),
            budget_krw=Decimal(340_000_000),
            service_types=frozenset({ServiceType.IAAS, ServiceType.SUPPORT}),
            provider_type=ProviderType.ORIGINAL,
            required_support_channels=frozenset({SupportChannel.EMAIL_ONLINE,
                                                 SupportChannel.PHONE}),
            penalties="SLA 가용률 99.9% 미달 시 월 이용료 5% 위약금",
            data_protection="백업 데이터 암호화 저장, 종료 시 반환 후 파기 확인",
            migration_support="기존 백업 420TB 이전과 무결성 검증"),
        conditions=SearchConditions(
            page=SearchPage.ALL, service_type=frozenset({ServiceType.IAAS, ServiceType.SUPPORT}),
            company_size=frozenset({CompanySize.SME}),
            document=frozenset({DocumentKind.SLA, DocumentKind.TERMS}),
            support_channel=frozenset({SupportChannel.EMAIL_ONLINE, SupportChannel.PHONE,
                                       SupportChannel.WEB_CHAT})),
        award_types=(ServiceType.IAAS, ServiceType.SUPPORT),
        expected_price_krw={ServiceType.IAAS: Decimal(228_000_000),
                            ServiceType.SUPPORT: Decimal(84_000_000)},
        kind=ContractKind.LONG_TERM_CONTINUING, months=24, pricing_model=PricingModel.METERED,
        sla=_sla("행정 데이터 백업 IaaS 및 이전 지원", "스토리지 420TB, 원격 복제 2개 리전", "99.9", 60,
                 SlaTarget(indicator=Indicator.BACKUP, target=Decimal(100))),
        subcontracted_parts=("야간 원격 관제",)),
    DemoProcurement(
        agency_id="AG-BUSAN", reference="부산-스마트도시-2026-0031",
        title="스마트시티 통합 관제 플랫폼 이용", method=ProcurementMethod.SELF,
        budget=_budget(BudgetCategory.SERVICE_FEE, PricingModel.FLAT,
                       (BudgetItem.USAGE_FEE, 560_000_000), (BudgetItem.OPERATIONS, 40_000_000)),
        requirements=Requirements(
            purpose="교통·방범·재난 센서를 통합 관제하는 스마트시티 플랫폼 이용",
            usage_environment="IoT 센서 1만 2천 개, 36개월, 통합관제센터 24시간 운영",
            network_separation=False, usage_months=36,
            functional_requirements=("IoT 데이터 수집", "통합 관제 대시보드", "재난 상황 전파"),
            budget_krw=Decimal(580_000_000),
            service_types=frozenset({ServiceType.CONVERGENCE}),
            required_support_channels=frozenset({SupportChannel.CALL_CENTER,
                                                 SupportChannel.ONSITE}),
            penalties="SLA 미흡 2회 연속 시 월 이용료 5% 위약금",
            data_protection="영상·위치 정보는 시 소유, 종료 시 반환 후 파기"),
        conditions=SearchConditions(page=SearchPage.CONVERGENCE, keywords="스마트시티"),
        award_types=(ServiceType.CONVERGENCE,),
        expected_price_krw={ServiceType.CONVERGENCE: Decimal(504_000_000)},
        kind=ContractKind.LONG_TERM_CONTINUING, months=36, pricing_model=PricingModel.FLAT,
        sla=_sla("스마트시티 통합 관제 플랫폼", "센서 수집·관제·전파 기능, 24시간", "99.9", 30,
                 SlaTarget(indicator=Indicator.SUPPORT_RATE, target=Decimal(95))),
        over_budget_quote=True),
    DemoProcurement(
        agency_id="AG-MOIS", reference="행안부-디지털정부-2026-0415",
        title="범정부 영상회의 서비스 시범 이용", method=ProcurementMethod.CENTRAL,
        budget=_budget(BudgetCategory.RENT, PricingModel.FLAT,
                       (BudgetItem.USAGE_FEE, 30_000_000)),
        requirements=Requirements(
            purpose="중앙부처 영상회의를 클라우드 서비스로 시범 전환",
            usage_environment="사용자 3,000명, 1개월 시범, 인터넷망, 회의 녹화 보관 30일",
            network_separation=False, usage_months=1,
            functional_requirements=("다자간 영상회의", "회의 녹화", "화면 공유"),
            budget_krw=Decimal(28_000_000), service_types=frozenset({ServiceType.SAAS}),
            required_certifications=frozenset({CertificationKind.CSAP}),
            required_support_channels=frozenset({SupportChannel.ONSITE}),
            data_protection="녹화 파일은 기관 소유, 시범 종료 시 반환 후 파기"),
        conditions=SearchConditions(page=SearchPage.SAAS, keywords="화상회의", mall_listed=True,
                                    certification=frozenset({CertificationKind.CSAP})),
        award_types=(ServiceType.SAAS,),
        expected_price_krw={ServiceType.SAAS: Decimal(26_400_000)},
        kind=ContractKind.MONTHLY, months=1, pricing_model=PricingModel.FLAT,
        sla=_sla("범정부 영상회의 SaaS", "사용자 3,000명, 동시 회의 200개", "99.5", 60)),
    DemoProcurement(
        agency_id="AG-NHIS", reference="건보-빅데이터-2026-0088",
        title="건강보험 빅데이터 AI 분석용 GPU 서버 이용", method=ProcurementMethod.SELF,
        budget=_budget(BudgetCategory.PUBLIC_UTILITY, PricingModel.PREPAID,
                       (BudgetItem.USAGE_FEE, 420_000_000)),
        requirements=Requirements(
            purpose="건강보험 빅데이터 AI 모델 학습용 GPU 서버 확보",
            usage_environment="GPU 서버 16대, 12개월 이내, 내부망 분리, 가명정보 처리 환경",
            network_separation=True, usage_months=10,
            functional_requirements=("GPU 서버 제공", "AI 학습 환경", "자동 확장"),
            budget_krw=Decimal(400_000_000), service_types=frozenset({ServiceType.IAAS}),
            provider_type=ProviderType.ORIGINAL,
            required_certifications=frozenset({CertificationKind.CSAP}),
            mandatory_security_items=("논리적 망분리", "가명정보 반출 통제"),
            required_support_channels=frozenset({SupportChannel.CALL_CENTER}),
            data_protection="가명정보는 공단 전용 영역에만 저장, 종료 즉시 파기"),
        conditions=SearchConditions(page=SearchPage.IAAS, keywords="GPU",
                                    company_size=frozenset({CompanySize.SME}),
                                    certification=frozenset({CertificationKind.CSAP}),
                                    support_channel=frozenset({SupportChannel.CALL_CENTER})),
        award_types=(ServiceType.IAAS,),
        expected_price_krw={ServiceType.IAAS: Decimal(372_000_000)},
        kind=ContractKind.SINGLE_YEAR, months=10, pricing_model=PricingModel.PREPAID,
        sla=_sla("AI 분석용 GPU IaaS", "GPU 서버 16대, 전용 스토리지 200TB", "99.9", 60,
                 SlaTarget(indicator=Indicator.SECURITY_EVENTS, target=Decimal(0)))),
    DemoProcurement(
        agency_id="AG-BUSAN", reference="부산-행정자치-2026-0150",
        title="구·군 통합 전자결재 클라우드 전환", method=ProcurementMethod.SELF,
        budget=_budget(BudgetCategory.RENT, PricingModel.FLAT,
                       (BudgetItem.USAGE_FEE, 180_000_000), (BudgetItem.MIGRATION, 20_000_000)),
        requirements=Requirements(
            purpose="16개 구·군의 전자결재를 하나의 클라우드 서비스로 통합",
            usage_environment="사용자 1만 2천 명, 12개월, 행정망 연계, 전자문서 보존 기준 준수",
            network_separation=True, usage_months=12,
            functional_requirements=("전자결재", "모바일 결재", "기록물 이관"),
            budget_krw=Decimal(190_000_000), service_types=frozenset({ServiceType.SAAS}),
            required_certifications=frozenset({CertificationKind.CSAP}),
            required_support_channels=frozenset({SupportChannel.PHONE}),
            data_protection="결재 문서는 시 소유, 종료 시 표준 형식으로 반환",
            migration_support="기존 결재 문서 이관 지원"),
        conditions=SearchConditions(page=SearchPage.SAAS, keywords="전자결재",
                                    company_size=frozenset({CompanySize.SME}),
                                    provider_type=frozenset({ProviderType.ORIGINAL}),
                                    certification=frozenset({CertificationKind.CSAP})),
        award_types=(ServiceType.SAAS,),
        expected_price_krw={ServiceType.SAAS: Decimal(172_800_000)},
        stay_open=True),
)


def load_demo_contracts(runtime: Runtime, *, at: datetime) -> DemoContracts:
    """Record the demo procurements and contracts as their officers and providers would, from the
    demo catalogue (already recorded). A procurement already in the ledger is left as it is, so
    loading twice records nothing."""
    for agency in DEMO_AGENCIES:
        register_demo_agency(runtime.ledger, agency.agency_id, at)
    runtime.projector.catch_up()  # the searches run against the catalogue view
    reader = CatalogueReader(runtime.db)
    contracts: list[UUID] = []
    open_procurements: list[UUID] = []
    recorded = 0
    for index, demo in enumerate(DEMO_PROCUREMENTS):
        procurement_id = Procurement.create_id(demo.agency_id, demo.reference)
        if not runtime.ledger.recorder.select_events(procurement_id, limit=1):
            # Each story gets its own minute so that the stories read apart on a timeline.
            _Story(runtime.ledger, reader, demo, at + timedelta(minutes=index)).record()
            recorded += 1
        if demo.stay_open:
            open_procurements.append(procurement_id)
        else:
            contracts.append(Contract.create_id(f"procurement:{procurement_id}"))
    runtime.projector.catch_up()  # the cessation finds the contract through the contracts view
    ceasing = _cease_business(runtime, at + timedelta(minutes=len(DEMO_PROCUREMENTS)))
    return DemoContracts(contracts=contracts, open_procurements=open_procurements,
                         recorded=recorded, ceasing_service=ceasing)


def _cease_business(runtime: Runtime, at: datetime) -> UUID | None:
    """The provider of the NHIS GPU servers gives notice that it ends that business (Decree art.
    19(2)), 60 days ahead, by e-mail and SMS: the contract is told and put at risk, and its data
    must be back before the business end date. Recorded once (a second load finds it noticed)."""
    demo = next(d for d in DEMO_PROCUREMENTS if d.reference == CEASING_REFERENCE)
    contract_id = Contract.create_id(
        f"procurement:{Procurement.create_id(demo.agency_id, demo.reference)}")
    if not runtime.ledger.recorder.select_events(contract_id, limit=1):
        return None
    contracted = runtime.ledger.load(Contract, contract_id).services[0]
    service_id = UUID(contracted.service_id)
    if runtime.ledger.load(DigitalService, service_id).cessation is not None:
        return service_id
    end = at.astimezone(KOREA).date() + CESSATION_NOTICE_LEAD
    provider = Actor(principal_id=f"ceo@{contracted.provider_id}", role=Role.PROVIDER,
                     provider_id=contracted.provider_id)
    runtime.ledger.notice_business_cessation(
        CommandContext(actor=provider, correlation_id="demo-cessation-01", at=at),
        [service_id], BusinessCessation(
            cessation_id=f"CES-DEMO-{service_id.hex[:8]}", scope=CessationScope.PART,
            business=f"{contracted.name} (GPU 서버 임대 사업)",
            reason="GPU 장비 임대 사업을 정리하고 AI 플랫폼 사업에 집중",
            end_date=end,
            return_right="이용기관은 사업 종료일 전까지 저장된 모든 데이터의 반환을 요구할 수 있습니다",
            destruction_notice="사업 종료일 전까지 반환받지 않거나 반환을 원하지 않는 데이터는 복구 "
                               "불가능한 방법으로 영구 삭제됩니다",
            return_method="고객 포털에서 반환 신청 → 전용 회선(SFTP)으로 원본·CSV 전달 → 기관 검수",
            contact=f"{contracted.provider_name} 클라우드사업부 1588-0000, cloud@example.kr",
            channels=frozenset({NoticeChannel.EMAIL, NoticeChannel.SMS}),
            posted_at=f"https://{contracted.provider_id.lower()}.example.kr/notice/gpu-end"))
    return service_id


def record_procurement(runtime: Runtime, demo: DemoProcurement, at: datetime) -> UUID:
    """One procurement told as its officers and providers would, from opening to its contract
    (the catalogue view must be current: its search runs against it); returns the contract's id.
    The benchmarks tell the demo's stories under other references for as many contracts as they
    need."""
    _Story(runtime.ledger, CatalogueReader(runtime.db), demo, at).record()
    return Contract.create_id(
        f"procurement:{Procurement.create_id(demo.agency_id, demo.reference)}")


class _Story:
    """One procurement's way from its opening to its contract, step by step."""

    def __init__(self, ledger: Ledger, reader: CatalogueReader, demo: DemoProcurement,
                 at: datetime) -> None:
        self.ledger = ledger
        self.reader = reader
        self.demo = demo
        self.start = at
        self.steps = 0
        self.today = at.astimezone(KOREA).date()
        self.officer = Actor(principal_id=OFFICERS[demo.agency_id], role=Role.AGENCY,
                             agency_id=demo.agency_id)

    def context(self, actor: Actor | None = None) -> CommandContext:
        # A second apart: every event keeps a distinct, increasing time close to the clock.
        self.steps += 1
        return CommandContext(actor=actor or self.officer,
                              correlation_id=f"demo-{self.demo.reference}-{self.steps:02d}",
                              at=self.start + timedelta(seconds=self.steps))

    def record(self) -> None:
        demo, ledger = self.demo, self.ledger
        # The budget is that of the fiscal year the contract starts in: a single-year contract
        # lies inside its procurement's fiscal year (in November that is the next one).
        fiscal_year = _period(self.today, demo.kind, demo.months)[0].year
        # The benchmarks tell a story without loading the demo: its agency is registered first.
        register_demo_agency(ledger, demo.agency_id, self.start)
        pid = ledger.open_procurement(self.context(), agency_id=demo.agency_id,
                                      reference=demo.reference, title=demo.title,
                                      fiscal_year=fiscal_year).aggregate_id
        ledger.confirm_budget(self.context(), pid, demo.budget)
        ledger.define_requirements(self.context(), pid, demo.requirements)
        search_id = ledger.record_search(self.context(), pid, demo.conditions,
                                         self.reader).recorded_id
        assert search_id is not None
        ledger.save_search(self.context(), pid, search_id)
        ledger.choose_procurement_method(self.context(), pid, demo.method)
        for entry, clause, reason in _failing(demo.requirements, self._candidates(pid)):
            ledger.exclude_candidate(self.context(), pid, entry.service_id, clause, reason)
        quotes: dict[str, Decimal] = {}
        if demo.method is ProcurementMethod.SELF:
            quotes = self._collect_quotes(pid)
            if demo.stay_open:
                return
            self._exclude_over_budget(pid, quotes)
        remaining = self._candidates(pid, remaining=True)
        evaluation = _evaluation(remaining, quotes)
        if len(remaining) > 1:
            ledger.record_evaluation(self.context(), pid, evaluation)
        winners = [_top_of_type(evaluation, remaining, service_type)
                   for service_type in demo.award_types]
        ledger.award(self.context(), pid, [w.service_id for w in winners],
                     "평가 총점 1순위" if len(winners) == 1 else "유형별 평가 총점 1순위 공동 선정")
        contract_id = ledger.conclude_contract(self.context(), pid,
                                               self._terms(winners, quotes)).aggregate_id
        if demo.method is ProcurementMethod.SELF:
            # Central procurement's disclosure is transferred from the Mall by itself (⑦).
            ledger.contract_command(self.context(), contract_id, _register)

    def _candidates(self, pid: UUID, remaining: bool = False) -> list[CatalogueEntry]:
        procurement = self.ledger.load(Procurement, pid)
        found = procurement.remaining_candidates() if remaining else procurement.candidates()
        return list(found.values())

    def _collect_quotes(self, pid: UUID) -> dict[str, Decimal]:
        """Ask every remaining candidate; each provider answers for its own service. In the open
        procurement the last one has not answered yet."""
        candidates = self._candidates(pid, remaining=True)
        due = self.today + timedelta(days=7)
        for entry in candidates:
            self.ledger.request_quote(self.context(), pid, entry.service_id, due,
                                      f"{self.demo.title} 견적 요청 (요구사항 정의서 첨부)")
        answering = candidates[:-1] if self.demo.stay_open and len(candidates) > 1 else candidates
        quotes: dict[str, Decimal] = {}
        for position, entry in enumerate(answering):
            amount = self._quote_amount(entry, position, last=position == len(candidates) - 1)
            provider = Actor(principal_id=f"sales@{entry.provider_id}", role=Role.PROVIDER,
                             provider_id=entry.provider_id)
            self.ledger.submit_quote(self.context(provider), pid, Quote(
                service_id=entry.service_id, amount_krw=amount,
                valid_until=self.today + timedelta(days=30),
                document_ref=f"견적서-{entry.provider_id}-{self.demo.reference}",
                detail=f"{entry.name} {self.demo.requirements.usage_months}개월 이용료 일체"))
            quotes[entry.service_id] = amount
        return quotes

    def _quote_amount(self, entry: CatalogueEntry, position: int, *, last: bool) -> Decimal:
        if last and self.demo.over_budget_quote and position > 0:
            return _round(self.demo.requirements.budget_krw * Decimal("1.15"))
        expected = self.demo.expected_price_krw[entry.service_type]
        return _round(expected * _QUOTE_SPREAD[position % len(_QUOTE_SPREAD)])

    def _exclude_over_budget(self, pid: UUID, quotes: dict[str, Decimal]) -> None:
        budget = self.demo.requirements.budget_krw
        for service_id, amount in quotes.items():
            if amount > budget:
                self.ledger.exclude_candidate(
                    self.context(), pid, service_id, Clause.BUDGET,
                    f"견적 금액 {amount:,}원이 사업 예산 {budget:,}원을 초과",
                    evidence=f"quote:{service_id}")

    def _terms(self, winners: Sequence[CatalogueEntry],
               quotes: dict[str, Decimal]) -> ContractTerms:
        demo = self.demo
        start, end = _period(self.today, demo.kind, demo.months)
        if quotes:
            total = sum((quotes[w.service_id] for w in winners), Decimal(0))
        else:
            total = sum((demo.expected_price_krw[w.service_type] for w in winners), Decimal(0))
        assert demo.sla is not None
        return ContractTerms(
            kind=demo.kind, start=start, end=end, pricing_model=demo.pricing_model,
            total_amount_krw=total, unit_prices=self._unit_prices(winners), sla=demo.sla,
            subcontracted_parts=demo.subcontracted_parts,
            data_return_clause=demo.data_return_clause, lock_in_clause=demo.lock_in_clause,
            standard_form_used=True, deposit_krw=_round(total / 10), data_exit=demo.data_exit)

    def _unit_prices(self, winners: Sequence[CatalogueEntry]) -> tuple[UnitPrice, ...]:
        """The winners' own published plans of the contract's pricing model (a metered fee is a
        unit-price contract, so its prices come from the catalogue, not from a guess)."""
        prices = []
        for winner in winners:
            service = self.ledger.load(DigitalService, UUID(winner.service_id))
            prices += [UnitPrice(item=f"{winner.name} {plan.name}", unit=plan.unit,
                                 price_krw=plan.unit_price_krw)
                       for plan in service.profile.price_plans
                       if plan.model is self.demo.pricing_model]
        return tuple(prices)


def _register(contract: Contract) -> None:
    contract.register_disclosure()


def _failing(requirements: Requirements,
             candidates: Sequence[CatalogueEntry]) -> list[tuple[CatalogueEntry, Clause, str]]:
    """Candidates that fail a clause checkable on their recorded attributes, with the first such
    clause: the ledger refuses any exclusion that the attributes do not bear out."""
    failing = []
    for entry in candidates:
        missing_certs = requirements.required_certifications - set(entry.certifications)
        missing_channels = requirements.required_support_channels - set(entry.support_channels)
        if requirements.provider_type is not None and (
            entry.provider_type is not requirements.provider_type
        ):
            failing.append((entry, Clause.PROVIDER_TYPE,
                            f"{requirements.provider_type.value} 제공자 요건 미충족 "
                            f"({entry.provider_type.value})"))
        elif missing_certs:
            failing.append((entry, Clause.CERTIFICATIONS,
                            f"필수 인증 미보유: {', '.join(sorted(c.value for c in missing_certs))}"))
        elif missing_channels:
            failing.append((entry, Clause.SUPPORT_CHANNELS,
                            f"필수 고객지원 채널 미제공: "
                            f"{', '.join(sorted(c.value for c in missing_channels))}"))
    return failing


def _evaluation(remaining: Sequence[CatalogueEntry], quotes: dict[str, Decimal]) -> Evaluation:
    """Scores an officer could defend: cost against the lowest quote, fit and stability from the
    certifications held, support from the channels offered."""
    lowest = min(quotes.values(), default=Decimal(0))
    scores = []
    for position, entry in enumerate(remaining):
        quote = quotes.get(entry.service_id)
        tco = (lowest / quote * 100 if quote else Decimal(90 - 3 * position))
        certified = len(entry.certifications)
        channels = len(entry.support_channels)
        values = {"tco": tco,
                  "technical_fit": Decimal(72 + 4 * certified + (3 if entry.mall_listed else 0)),
                  "customer_support": Decimal(60 + 7 * channels),
                  "performance_stability": Decimal(75 + 4 * certified)}
        scores.append(CandidateScore(service_id=entry.service_id, scores={
            key: min(Decimal(100), value).quantize(Decimal("0.1"), ROUND_HALF_UP)
            for key, value in values.items()}))
    return Evaluation(criteria=CRITERIA, scores=tuple(scores))


def _top_of_type(evaluation: Evaluation, remaining: Sequence[CatalogueEntry],
                 service_type: ServiceType) -> CatalogueEntry:
    by_id = {entry.service_id: entry for entry in remaining}
    for service_id in evaluation.ranking():
        if by_id[service_id].service_type is service_type:
            return by_id[service_id]
    raise LookupError(f"the demo search left no {service_type.value} candidate to award")


def _period(today: date, kind: ContractKind, months: int) -> tuple[date, date]:
    """From the first of next month; a single-year contract that would only have December left
    starts with the next fiscal year instead, and stays inside it."""
    start = _first_of_next_month(today)
    if kind is ContractKind.SINGLE_YEAR and start.month == 12:
        start = date(start.year + 1, 1, 1)
    end = _add_months(start, months) - timedelta(days=1)
    if kind is ContractKind.SINGLE_YEAR:
        end = min(end, date(start.year, 12, 31))
    return start, end


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month + 1, min(day.day, monthrange(day.year + year, month + 1)[1]))


def _round(amount: Decimal) -> Decimal:
    """Quotes and deposits in whole ten-thousands of won, as they are written."""
    return (amount / 10_000).quantize(Decimal(1), ROUND_HALF_UP) * 10_000
