"""A small registered catalogue and the people who procure from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.actor import Actor, CommandContext, Role
from domain.requirements import Budget, BudgetCategory, BudgetItem, BudgetLine, Requirements
from domain.values import (
    Certification,
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricingModel,
    ProviderType,
    ResellerPartnership,
    ServiceProfile,
    ServiceType,
    SupportChannel,
    SupportKind,
)
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AGENCY_ID = "AG-SEOUL"
OPERATOR = Actor(principal_id="nia-1", role=Role.OPERATOR)
OFFICER = Actor(principal_id="officer@seoul", role=Role.AGENCY, agency_id=AGENCY_ID)


def context(actor: Actor, at: datetime = NOW) -> CommandContext:
    return CommandContext(actor=actor, correlation_id="test", at=at)


def provider_context(provider_id: str) -> CommandContext:
    return context(Actor(principal_id=f"staff@{provider_id}", role=Role.PROVIDER,
                         provider_id=provider_id))


@dataclass(frozen=True)
class Listed:
    notice: str
    name: str
    provider_id: str
    service_type: ServiceType
    csap: bool = False
    mall: bool = False
    suspended: bool = False
    reseller: bool = False
    channels: frozenset[SupportChannel] = frozenset({SupportChannel.CALL_CENTER})


CATALOGUE = [
    Listed("N-01", "하늘 GPU 서버", "PRV-HANEUL", ServiceType.IAAS, csap=True, mall=True,
           channels=frozenset({SupportChannel.CALL_CENTER, SupportChannel.ONSITE})),
    Listed("N-02", "바다 클라우드 서버", "PRV-BADA", ServiceType.IAAS, csap=True, mall=True),
    Listed("N-03", "들판 가상서버", "PRV-DEULPAN", ServiceType.IAAS, csap=False, reseller=True),
    Listed("N-04", "이음 이전 지원", "PRV-IEUM", ServiceType.SUPPORT),
    Listed("N-05", "나래 전자결재", "PRV-NARAE", ServiceType.SAAS, csap=True, mall=True),
    Listed("N-06", "멈춘 서버", "PRV-STOP", ServiceType.IAAS, csap=True, suspended=True),
]


def profile(listed: Listed) -> ServiceProfile:
    return ServiceProfile(
        name=listed.name, provider_id=listed.provider_id, provider_name=f"{listed.provider_id} ㈜",
        service_type=listed.service_type, company_size=CompanySize.SME,
        provider_type=ProviderType.RESELLER if listed.reseller else ProviderType.ORIGINAL,
        partnership=ResellerPartnership(original_provider_name="원제공 주식회사",
                                        valid_from=date(2024, 1, 1), valid_until=date(2029, 1, 1))
        if listed.reseller else None,
        description="공공기관 클라우드 서버와 이전 지원", features=("서버", "이전"),
        keywords=("클라우드",),
        support_kinds=frozenset({SupportKind.MIGRATION})
        if listed.service_type is ServiceType.SUPPORT else frozenset(),
        documents=frozenset({DocumentKind.SLA}), support_channels=listed.channels,
    )


@pytest.fixture
def catalogue(runtime: Runtime) -> dict[str, str]:
    """Registers the small catalogue; returns the service ids by notice number."""
    ledger = runtime.ledger
    op = context(OPERATOR)
    ids = {}
    for listed in CATALOGUE:
        service_id = ledger.select_service(op, notice_number=listed.notice,
                                           selection_date=date(2025, 1, 1),
                                           valid_until=date(2028, 1, 1),
                                           profile=profile(listed)).aggregate_id
        ledger.register_service(op, service_id)
        if listed.csap:
            ledger.add_certification(op, service_id, Certification(
                kind=CertificationKind.CSAP, number=f"CSAP-{listed.notice}", issuer="KISA",
                valid_from=date(2025, 1, 1), valid_until=date(2029, 1, 1)))
        if listed.mall:
            ledger.list_service_in_mall(op, service_id, f"DSM-{listed.notice}", date(2025, 2, 1))
        if listed.suspended:
            ledger.suspend_service(op, service_id, "점검")
        ids[listed.notice] = str(service_id)
    runtime.projector.catch_up()
    return ids


@pytest.fixture
def reader(runtime: Runtime) -> CatalogueReader:
    return CatalogueReader(runtime.db)


def budget(total: int = 300_000_000) -> Budget:
    return Budget(
        lines=(BudgetLine(item=BudgetItem.USAGE_FEE, amount_krw=Decimal(total - 50_000_000)),
               BudgetLine(item=BudgetItem.MIGRATION, amount_krw=Decimal(50_000_000))),
        category=BudgetCategory.SERVICE_FEE, pricing_model=PricingModel.METERED,
    )


def requirements(**overrides: object) -> Requirements:
    values: dict[str, object] = {
        "purpose": "민원 시스템을 클라우드 서버로 전환",
        "usage_environment": "가상서버 20대, 24개월, 행정망 분리, 국정원 보안지침 준수",
        "network_separation": True,
        "usage_months": 24,
        "functional_requirements": ("GPU 서버 제공", "자동 백업"),
        "budget_krw": Decimal(250_000_000),
        "service_types": frozenset({ServiceType.IAAS, ServiceType.SUPPORT}),
        "required_certifications": frozenset({CertificationKind.CSAP}),
        "required_support_channels": frozenset({SupportChannel.CALL_CENTER}),
        "data_protection": "이용 종료 시 데이터 반환 후 파기",
    }
    values.update(overrides)
    return Requirements(**values)  # type: ignore[arg-type]


Ctx = Callable[[Actor], CommandContext]
