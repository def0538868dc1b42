"""A deterministic, realistic Korean demo catalogue, recorded through the operator's own commands.

Providers, names and figures are invented; the mix follows the market the guideline describes:
mostly SMEs, every service type, originals and resellers, CSAP on most IaaS, some services in the
Digital Service Mall, a few innovation products, and a handful suspended, cancelled or selected but
not yet registered.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import msgspec

from domain.actor import Actor, CommandContext, Role, utc_now
from domain.ledger import Ledger
from domain.service import InnovationDesignation, service_id_for
from domain.values import (
    Certification,
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricePlan,
    PricingModel,
    ProviderType,
    ResellerPartnership,
    ServiceProfile,
    ServiceType,
    SupportChannel,
    SupportKind,
)

_BRANDS = [
    "한빛", "누리", "미르", "솔빛", "다온", "가람", "온새미", "하람", "별빛", "새롬", "아라", "초록",
    "푸른", "두리", "나래", "마루", "보람", "은하", "한결", "이음", "다솜", "라온", "아름", "한울",
    "세움", "늘봄", "여울", "해솔", "바로", "누리봄", "에이스", "큐브", "넥스트", "오픈", "스마트",
]
_TRADES = ["클라우드", "소프트", "데이터", "시스템즈", "테크", "정보통신", "아이티", "네트웍스",
           "랩스", "솔루션"]
_PRODUCTS: dict[ServiceType, list[tuple[str, list[str]]]] = {
    ServiceType.IAAS: [
        ("가상서버", ["가상서버", "vCPU", "자동 확장"]),
        ("GPU 서버", ["GPU 서버", "AI 학습", "고성능 연산"]),
        ("클라우드 스토리지", ["블록 스토리지", "스냅샷", "암호화"]),
        ("백업 인프라", ["백업", "재해복구", "원격 복제"]),
        ("오브젝트 스토리지", ["오브젝트 스토리지", "대용량 보관", "수명주기 관리"]),
        ("베어메탈 서버", ["전용 서버", "물리 격리", "고성능"]),
    ],
    ServiceType.PAAS: [
        ("컨테이너 플랫폼", ["Kubernetes", "컨테이너", "CI/CD"]),
        ("관리형 DB", ["데이터베이스", "자동 백업", "고가용성"]),
        ("AI 개발 플랫폼", ["머신러닝", "모델 배포", "노트북"]),
        ("API 게이트웨이", ["API 관리", "인증", "트래픽 제어"]),
        ("데이터 파이프라인", ["ETL", "데이터 분석", "스트리밍"]),
    ],
    ServiceType.SAAS: [
        ("전자결재", ["전자결재", "모바일 결재", "문서 보안"]),
        ("그룹웨어", ["그룹웨어", "일정 관리", "게시판"]),
        ("화상회의", ["화상회의", "녹화", "화면 공유"]),
        ("민원 상담 챗봇", ["챗봇", "민원 상담", "자연어 처리"]),
        ("ERP", ["ERP", "예산 관리", "회계"]),
        ("전자문서 관리", ["문서 관리", "기록물", "전자서명"]),
        ("보안관제", ["보안관제", "침해 대응", "로그 분석"]),
        ("이러닝", ["이러닝", "교육 관리", "콘텐츠"]),
        ("협업 메신저", ["메신저", "협업", "파일 공유"]),
        ("웹 방화벽", ["웹 방화벽", "DDoS 방어", "보안"]),
    ],
    ServiceType.SUPPORT: [
        ("클라우드 전환 컨설팅", ["전환 전략", "ISP", "아키텍처 설계"]),
        ("클라우드 운영관리", ["MSP", "24시간 운영", "모니터링"]),
        ("마이그레이션 지원", ["마이그레이션", "데이터 이전", "전환 검증"]),
        ("통합 지원", ["컨설팅", "이전", "운영"]),
    ],
    ServiceType.CONVERGENCE: [
        ("스마트시티 통합 플랫폼", ["스마트시티", "IoT", "관제"]),
        ("디지털 트윈 서비스", ["디지털 트윈", "3D 시각화", "시뮬레이션"]),
        ("AI 민원 분석 서비스", ["AI", "민원 분석", "텍스트 마이닝"]),
        ("스마트 팩토리 플랫폼", ["스마트 팩토리", "설비 데이터", "예지 보전"]),
    ],
}
_SUPPORT_KINDS = {
    "클라우드 전환 컨설팅": {SupportKind.CONSULTING},
    "클라우드 운영관리": {SupportKind.OPERATIONS},
    "마이그레이션 지원": {SupportKind.MIGRATION},
    "통합 지원": {SupportKind.CONSULTING, SupportKind.MIGRATION, SupportKind.OPERATIONS},
}
_AGENCIES = ["서울특별시", "부산광역시", "대구광역시", "경기도", "강원특별자치도", "국립중앙도서관",
             "한국교육학술정보원", "국민건강보험공단", "행정안전부", "제주특별자치도"]
_ISSUERS = {
    CertificationKind.CSAP: "한국인터넷진흥원",
    CertificationKind.QUALITY_PERFORMANCE: "한국정보통신기술협회",
    CertificationKind.CLOUD_SERVICE_CONFIRMATION: "정보통신산업진흥원",
    CertificationKind.CC: "IT보안인증사무국",
    CertificationKind.GS: "한국정보통신기술협회",
    CertificationKind.OTHER: "한국표준협회",
}
_TYPE_WEIGHTS = [(ServiceType.SAAS, 45), (ServiceType.IAAS, 20), (ServiceType.PAAS, 12),
                 (ServiceType.SUPPORT, 15), (ServiceType.CONVERGENCE, 8)]
_EDITIONS = ["", " 프로", " 엔터프라이즈", " 2.0", " 플러스", " 라이트"]


class DemoService(msgspec.Struct, frozen=True):
    notice_number: str
    selection_date: date
    valid_until: date
    profile: ServiceProfile
    certifications: tuple[Certification, ...]
    mall_contract_number: str | None
    innovation: InnovationDesignation | None
    fate: str
    """registered (most), selected_only, suspended or cancelled."""


class _Provider(msgspec.Struct, frozen=True):
    provider_id: str
    name: str
    brand: str
    size: CompanySize


def _providers(rng: random.Random, count: int) -> list[_Provider]:
    names: list[_Provider] = []
    seen = set()
    while len(names) < count:
        brand, trade = rng.choice(_BRANDS), rng.choice(_TRADES)
        if (brand, trade) in seen:
            continue
        seen.add((brand, trade))
        legal = rng.choice(["{}㈜", "주식회사 {}", "{}㈜", "{} 주식회사"])
        size = rng.choices([CompanySize.SME, CompanySize.MIDSIZE, CompanySize.LARGE],
                           weights=[70, 20, 10])[0]
        names.append(_Provider(provider_id=f"PRV-{len(names) + 1:04d}",
                               name=legal.format(brand + trade), brand=brand + trade, size=size))
    return names


def _fate(index: int) -> str:
    # Fixed positions, so that even a small catalogue has one of each.
    if index % 41 == 5:
        return "suspended"
    if index % 43 == 7:
        return "cancelled"
    if index % 47 == 9:
        return "selected_only"
    return "registered"


def demo_catalogue(count: int = 320, seed: int = 20241) -> list[DemoService]:
    rng = random.Random(seed)
    providers = _providers(rng, max(8, min(75, count // 4)))
    originals = [p for p in providers]
    services: list[DemoService] = []
    names: set[str] = set()
    for index in range(count):
        provider = providers[index % len(providers)] if index < len(providers) else rng.choice(
            providers)
        service_type = rng.choices([t for t, _ in _TYPE_WEIGHTS],
                                   weights=[w for _, w in _TYPE_WEIGHTS])[0]
        if index < 5:  # every type appears, whatever the count
            service_type = [t for t, _ in _TYPE_WEIGHTS][index]
        product, features = rng.choice(_PRODUCTS[service_type])
        name = f"{provider.brand} {product}"
        for edition in _EDITIONS:
            if name + edition not in names:
                name += edition
                break
        else:
            name += f" {index}"
        names.add(name)
        selection = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1276))
        reseller = rng.random() < 0.25
        partner = rng.choice([p for p in originals if p is not provider])
        profile = ServiceProfile(
            name=name,
            provider_id=provider.provider_id,
            provider_name=provider.name,
            service_type=service_type,
            company_size=provider.size,
            provider_type=ProviderType.RESELLER if reseller else ProviderType.ORIGINAL,
            description=f"공공기관을 위한 {product} 서비스. {features[0]}와(과) {features[1]}을(를) "
                        f"지원하며 행정기관 보안 요구사항을 준수합니다.",
            support_kinds=frozenset(_SUPPORT_KINDS.get(product, set()))
            if service_type is ServiceType.SUPPORT else frozenset(),
            partnership=ResellerPartnership(
                original_provider_name=partner.name, valid_from=selection - timedelta(days=90),
                valid_until=selection + timedelta(days=365 * 4)) if reseller else None,
            features=tuple(features),
            keywords=(product, *features[:2]),
            expected_effects=("구축 대비 초기 비용 절감", "신속한 도입과 확장"),
            track_record=tuple(f"{rng.choice(_AGENCIES)} {product} 도입({rng.randint(2021, 2025)})"
                               for _ in range(rng.randint(1, 3))),
            documents=frozenset(d for d in DocumentKind if rng.random() < 0.75)
            or frozenset({DocumentKind.TERMS}),
            support_channels=frozenset(c for c in SupportChannel if rng.random() < 0.55)
            or frozenset({SupportChannel.EMAIL_ONLINE}),
            price_plans=_price_plans(rng, service_type),
            spec=_spec(rng, service_type),
        )
        certifications = _certifications(rng, service_type, selection, index)
        mall = f"DSM-{selection.year}-{index + 1:05d}" if rng.random() < 0.3 else None
        innovation = InnovationDesignation(
            designation_number=f"INNO-{selection.year}-{index + 1:04d}",
            valid_from=selection, valid_until=date(2029, 12, 31),
        ) if rng.random() < 0.08 else None
        services.append(DemoService(
            notice_number=f"NIA-{selection.year}-{index + 1:04d}", selection_date=selection,
            valid_until=selection + timedelta(days=365 * 3 + 1), profile=profile,
            certifications=certifications, mall_contract_number=mall, innovation=innovation,
            fate=_fate(index)))
    return services


def _price_plans(rng: random.Random, service_type: ServiceType) -> tuple[PricePlan, ...]:
    if service_type is ServiceType.IAAS:
        return (PricePlan(name="종량형", model=PricingModel.METERED,
                          unit_price_krw=Decimal(rng.choice([38, 45, 52, 60])), unit="vCPU-시간"),
                PricePlan(name="예치형", model=PricingModel.PREPAID,
                          unit_price_krw=Decimal(rng.choice([10, 20, 50])) * 1_000_000,
                          unit="연 예치"))
    if service_type is ServiceType.SAAS:
        return (PricePlan(name="기본형", model=PricingModel.FLAT,
                          unit_price_krw=Decimal(rng.choice([4500, 6000, 8800, 12000])),
                          unit="사용자-월"),)
    if service_type is ServiceType.PAAS:
        return (PricePlan(name="사용량 과금", model=PricingModel.METERED,
                          unit_price_krw=Decimal(rng.choice([120, 150, 210])), unit="노드-시간"),)
    return (PricePlan(name="표준", model=PricingModel.FLAT,
                      unit_price_krw=Decimal(rng.choice([8, 12, 15, 25])) * 1_000_000,
                      unit="월"),)


def _spec(rng: random.Random, service_type: ServiceType) -> dict[str, str]:
    if service_type is ServiceType.IAAS:
        return {"vCPU": f"최대 {rng.choice([64, 96, 128])}", "메모리": f"최대 {rng.choice([256, 512])}GB",
                "가용영역": f"{rng.choice([2, 3])}개 (수도권·충청권)"}
    if service_type is ServiceType.SAAS:
        return {"지원 브라우저": "Chrome, Edge, Whale", "동시 사용자": f"{rng.choice([500, 1000, 5000])}명"}
    if service_type is ServiceType.PAAS:
        return {"지원 런타임": "Java 17, Python 3.11, Node.js 20", "SLA": "99.9%"}
    return {"투입 인력": f"{rng.randint(3, 12)}명", "수행 기간": f"{rng.choice([3, 6, 12])}개월"}


def _certifications(rng: random.Random, service_type: ServiceType, selection: date,
                    index: int) -> tuple[Certification, ...]:
    chance = {ServiceType.IAAS: 0.9, ServiceType.SAAS: 0.55, ServiceType.PAAS: 0.5}.get(
        service_type, 0.0)
    kinds = []
    if rng.random() < chance:
        kinds.append(CertificationKind.CSAP)
    for kind in (CertificationKind.QUALITY_PERFORMANCE,
                 CertificationKind.CLOUD_SERVICE_CONFIRMATION, CertificationKind.CC,
                 CertificationKind.GS, CertificationKind.OTHER):
        if rng.random() < 0.18:
            kinds.append(kind)
    return tuple(Certification(
        kind=kind, number=f"{kind.value.upper()[:4]}-{selection.year}-{index + 1:04d}",
        issuer=_ISSUERS[kind], valid_from=selection - timedelta(days=rng.randrange(0, 200)),
        valid_until=date(2028, 6, 30) + timedelta(days=rng.randrange(0, 700)),
    ) for kind in kinds)


def load_demo(ledger: Ledger, *, services: Sequence[DemoService] | None = None,
              at: datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Record the catalogue as NIA's operator would; services already recorded are skipped, so
    loading twice is harmless. Returns how many services were newly recorded."""
    catalogue = list(services) if services is not None else demo_catalogue()
    actor = Actor(principal_id="nia-demo-loader", role=Role.OPERATOR)
    recorded = 0
    for done, demo in enumerate(catalogue, start=1):
        service_id = service_id_for(demo.notice_number)
        if not ledger.recorder.select_events(service_id, limit=1):
            context = CommandContext(actor=actor, correlation_id=f"demo-{demo.notice_number}",
                                     at=at or utc_now())
            _record(ledger, context, demo)
            recorded += 1
        if progress is not None:
            progress(done, len(catalogue))
    return recorded


def _record(ledger: Ledger, context: CommandContext, demo: DemoService) -> None:
    service_id = ledger.select_service(context, notice_number=demo.notice_number,
                                       selection_date=demo.selection_date,
                                       valid_until=demo.valid_until,
                                       profile=demo.profile).aggregate_id
    if demo.fate == "selected_only":
        return
    ledger.register_service(context, service_id)
    for certification in demo.certifications:
        ledger.add_certification(context, service_id, certification)
    if demo.mall_contract_number is not None:
        ledger.list_service_in_mall(context, service_id, demo.mall_contract_number,
                                    demo.selection_date + timedelta(days=60))
    if demo.innovation is not None:
        ledger.designate_innovation_product(context, service_id, demo.innovation)
    if demo.fate == "suspended":
        ledger.suspend_service(context, service_id, "품질관리 점검 결과 시정요구 미이행")
    elif demo.fate == "cancelled":
        ledger.cancel_service_selection(context, service_id, "선정 요건 미충족으로 선정 취소")
