"""Value types shared by the aggregates: the annex's vocabularies and the catalogue attributes.

Enum values are the wire and storage names; each enum carries its Korean label because the
guideline, the pages and the error messages speak Korean first.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import msgspec

from domain import bounds


class LabelledEnum(enum.Enum):
    """Plain (not str) enums, so the event transcoder stores them by value and restores the enum."""


    @property
    def ko(self) -> str:
        return _KOREAN[self]

    def __lt__(self, other: object) -> bool:
        # Ordered by value so sets of them store in one deterministic order.
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, LabelledEnum)
        return bool(self.value < other.value)


class ServiceType(LabelledEnum):
    IAAS = "IaaS"
    PAAS = "PaaS"
    SAAS = "SaaS"
    SUPPORT = "support"
    CONVERGENCE = "convergence"


class SupportKind(LabelledEnum):
    CONSULTING = "consulting"
    OPERATIONS = "operations"
    MIGRATION = "migration"


class CompanySize(LabelledEnum):
    LARGE = "large"
    MIDSIZE = "midsize"
    SME = "sme"


class ProviderType(LabelledEnum):
    ORIGINAL = "original"
    RESELLER = "reseller"


class CertificationKind(LabelledEnum):
    CSAP = "CSAP"
    QUALITY_PERFORMANCE = "quality_performance"
    CLOUD_SERVICE_CONFIRMATION = "cloud_service_confirmation"
    CC = "CC"
    GS = "GS"
    OTHER = "other"


class DocumentKind(LabelledEnum):
    SLA = "SLA"
    TERMS = "terms"


class SupportChannel(LabelledEnum):
    CALL_CENTER = "call_center"
    EMAIL_ONLINE = "email_online"
    PHONE = "phone"
    WEB_CHAT = "web_chat"
    ONSITE = "onsite"


class PricingModel(LabelledEnum):
    FLAT = "flat"
    METERED = "metered"
    PREPAID = "prepaid"


class ServiceStatus(LabelledEnum):
    SELECTED = "selected"
    REGISTERED = "registered"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CEASED = "ceased"  # the provider ended this business (Decree art. 19(2))


_KOREAN: dict[enum.Enum, str] = {
    ServiceType.IAAS: "IaaS",
    ServiceType.PAAS: "PaaS",
    ServiceType.SAAS: "SaaS",
    ServiceType.SUPPORT: "지원서비스",
    ServiceType.CONVERGENCE: "융합서비스",
    SupportKind.CONSULTING: "컨설팅",
    SupportKind.OPERATIONS: "운영관리",
    SupportKind.MIGRATION: "마이그레이션",
    CompanySize.LARGE: "대기업",
    CompanySize.MIDSIZE: "중견기업",
    CompanySize.SME: "중소기업",
    ProviderType.ORIGINAL: "원제공자",
    ProviderType.RESELLER: "중개제공자",
    CertificationKind.CSAP: "클라우드컴퓨팅 보안인증(CSAP)",
    CertificationKind.QUALITY_PERFORMANCE: "클라우드서비스 품질성능 확인서",
    CertificationKind.CLOUD_SERVICE_CONFIRMATION: "클라우드서비스 확인서",
    CertificationKind.CC: "CC인증(보안기능확인서)",
    CertificationKind.GS: "GS 인증",
    CertificationKind.OTHER: "기타 인증",
    DocumentKind.SLA: "SLA 서류",
    DocumentKind.TERMS: "이용약관",
    SupportChannel.CALL_CENTER: "고객센터 운영",
    SupportChannel.EMAIL_ONLINE: "이메일 또는 온라인문의 지원",
    SupportChannel.PHONE: "전화지원",
    SupportChannel.WEB_CHAT: "웹채팅 지원",
    SupportChannel.ONSITE: "현장지원",
    PricingModel.FLAT: "정액제",
    PricingModel.METERED: "종량제",
    PricingModel.PREPAID: "예치제",
    ServiceStatus.SELECTED: "선정",
    ServiceStatus.REGISTERED: "등록",
    ServiceStatus.SUSPENDED: "정지",
    ServiceStatus.CANCELLED: "선정 취소",
    ServiceStatus.EXPIRED: "유효기간 만료",
    ServiceStatus.CEASED: "사업 종료",
}


class PricePlan(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One of the service's published price plans (flat, metered or prepaid)."""

    name: str
    model: PricingModel
    unit_price_krw: Decimal
    unit: str
    """What one unit is: a month, a vCPU-hour, a user-month, a GB-month…"""

    def __post_init__(self) -> None:
        bounds.texts(self, default=bounds.LINE_LENGTH)
        # NaN, negatives and a metered 0 are refused by validate_profile under its own rule
        # (service.price-plan) on every path that records a profile; here, the upper bound and
        # the places. 0 is a published price: a free flat or prepaid plan.
        price = self.unit_price_krw
        if isinstance(price, Decimal) and price.is_finite() and price >= 0:
            bounds.amount(price, "unit_price_krw", zero_allowed=True,
                          places=bounds.UNIT_PRICE_PLACES)


class ResellerPartnership(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """For a reseller (중개제공자): the original provider and the validity of their contract."""

    original_provider_name: str
    valid_from: date
    valid_until: date

    def __post_init__(self) -> None:
        bounds.texts(self, default=bounds.NAME_LENGTH)


class ServiceProfile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything the support system publishes about a selected service (SPEC §1).

    These attributes are the search filters of the guideline's annex plus the descriptive text
    a contract officer reads before asking for a quote.
    """

    name: str
    provider_id: str
    provider_name: str
    service_type: ServiceType
    company_size: CompanySize
    provider_type: ProviderType
    description: str
    support_kinds: frozenset[SupportKind] = frozenset()
    partnership: ResellerPartnership | None = None
    features: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    expected_effects: tuple[str, ...] = ()
    track_record: tuple[str, ...] = ()
    documents: frozenset[DocumentKind] = frozenset()
    support_channels: frozenset[SupportChannel] = frozenset()
    price_plans: tuple[PricePlan, ...] = ()
    spec: dict[str, str] = msgspec.field(default_factory=dict)
    """The detailed specification by service type (vCPU, storage, supported browsers…)."""

    def __post_init__(self) -> None:
        # Names and ids go to the catalogue view's String(200) / String(64) columns.
        bounds.texts(self, {"name": bounds.NAME_LENGTH, "provider_id": bounds.ID_LENGTH,
                            "provider_name": bounds.NAME_LENGTH, "description": bounds.TEXT_LENGTH,
                            "spec": bounds.LINE_LENGTH}, default=bounds.LINE_LENGTH)


class Certification(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: CertificationKind
    number: str
    issuer: str
    valid_from: date
    valid_until: date

    def __post_init__(self) -> None:
        bounds.texts(self, {"number": bounds.ID_LENGTH}, default=bounds.NAME_LENGTH)
