"""The requirements definition (요구사항 정의서): the nine sections of the guideline's checklist, and
the budget they must fit in. Each checklist item has a clause id ("6-1") that an exclusion cites."""

from __future__ import annotations

import enum
from decimal import Decimal

import msgspec

from domain import bounds, rules
from domain.rules import require
from domain.values import (
    CertificationKind,
    LabelledEnum,
    PricingModel,
    ProviderType,
    ServiceType,
    SupportChannel,
)


class BudgetItem(LabelledEnum):
    """What the money is for (① 예산 확인)."""

    USAGE_FEE = "usage_fee"
    CONSULTING = "consulting"
    MIGRATION = "migration"
    OPERATIONS = "operations"


class BudgetCategory(LabelledEnum):
    """The budget heading it is executed under (공공요금, 임차료, 용역비)."""

    PUBLIC_UTILITY = "public_utility"
    RENT = "rent"
    SERVICE_FEE = "service_fee"


class BudgetLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item: BudgetItem
    amount_krw: Decimal

    def __post_init__(self) -> None:
        # 0 passes here so validate_budget refuses it under its own rule (procurement.budget-lines).
        bounds.amount(self.amount_krw, "amount_krw", zero_allowed=True)


class Budget(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lines: tuple[BudgetLine, ...]
    category: BudgetCategory
    pricing_model: PricingModel

    @property
    def total_krw(self) -> Decimal:
        return sum((line.amount_krw for line in self.lines), Decimal(0))

    def amount_for(self, item: BudgetItem) -> Decimal:
        return sum((line.amount_krw for line in self.lines if line.item is item), Decimal(0))


MAX_USAGE_MONTHS = 1200
"""A century: long-term continuing contracts run for years, never for this long."""


class SlaMinimums(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The least service level the agency accepts (7-1); None: no minimum for that indicator."""

    availability_percent: Decimal | None = None
    max_recovery_minutes: int | None = None
    max_response_time_ms: int | None = None
    backup_compliance_percent: Decimal | None = None
    max_support_handling_hours: Decimal | None = None
    support_handling_rate_percent: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("availability_percent", "backup_compliance_percent",
                     "support_handling_rate_percent"):
            bounds.percentage(getattr(self, name), name, range_ruled=True)
        bounds.count(self.max_recovery_minutes, "max_recovery_minutes",
                     bounds.MAX_RECOVERY_MINUTES, "minutes")
        bounds.count(self.max_response_time_ms, "max_response_time_ms",
                     int(bounds.MAX_RESPONSE_TIME_MS), "milliseconds")
        bounds.quantity(self.max_support_handling_hours, "max_support_handling_hours",
                        bounds.MAX_SUPPORT_HOURS, "hours")


class Requirements(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The nine sections of the checklist (<디지털서비스 요구사항 정의서 작성시 고려사항>)."""

    purpose: str
    """1-1: what the service will be used for; it becomes the search keywords."""
    usage_environment: str
    """2-1: scale, period, network separation and security conditions."""
    network_separation: bool
    usage_months: int
    functional_requirements: tuple[str, ...]
    """2-2: the functions the service must provide."""
    budget_krw: Decimal
    """3-1: what the agency will spend; never more than the confirmed budget."""
    service_types: frozenset[ServiceType]
    """4-1."""
    provider_type: ProviderType | None = None
    """5-1: None when either an original provider or a reseller will do."""
    required_certifications: frozenset[CertificationKind] = frozenset()
    """6-1."""
    mandatory_security_items: tuple[str, ...] = ()
    """6-2: e.g. physical or logical network separation, security monitoring."""
    sla_minimums: SlaMinimums = SlaMinimums()
    """7-1."""
    required_support_channels: frozenset[SupportChannel] = frozenset()
    """8-1."""
    penalties: str = ""
    """9-1: penalties and damages."""
    data_protection: str = ""
    """9-2."""
    migration_support: str = ""
    """9-3: support for moving the service and its data in and out."""

    def __post_init__(self) -> None:
        bounds.texts(self, {"functional_requirements": bounds.LINE_LENGTH,
                            "mandatory_security_items": bounds.LINE_LENGTH})
        bounds.count(self.usage_months, "usage_months", MAX_USAGE_MONTHS, "months")
        # 0 passes here so validate_requirements refuses it as a missing section.
        bounds.amount(self.budget_krw, "budget_krw", zero_allowed=True)


class Clause(enum.Enum):
    """Checklist items an exclusion can cite. Some are checked against the candidate's recorded
    attributes; the rest are judgements that must point at recorded evidence."""

    PURPOSE = "1-1"
    ENVIRONMENT = "2-1"
    FUNCTIONS = "2-2"
    BUDGET = "3-1"
    SERVICE_TYPE = "4-1"
    PROVIDER_TYPE = "5-1"
    CERTIFICATIONS = "6-1"
    SECURITY_ITEMS = "6-2"
    SLA = "7-1"
    SUPPORT_CHANNELS = "8-1"
    PENALTIES = "9-1"
    DATA_PROTECTION = "9-2"
    MIGRATION = "9-3"


def stated(requirements: Requirements, clause: Clause) -> bool:
    """Whether the requirements say anything under this clause (nothing to fail otherwise)."""
    sla = requirements.sla_minimums
    return {
        Clause.PURPOSE: bool(requirements.purpose.strip()),
        Clause.ENVIRONMENT: bool(requirements.usage_environment.strip()),
        Clause.FUNCTIONS: bool(requirements.functional_requirements),
        Clause.BUDGET: requirements.budget_krw > 0,
        Clause.SERVICE_TYPE: bool(requirements.service_types),
        Clause.PROVIDER_TYPE: requirements.provider_type is not None,
        Clause.CERTIFICATIONS: bool(requirements.required_certifications),
        Clause.SECURITY_ITEMS: bool(requirements.mandatory_security_items),
        Clause.SLA: any(getattr(sla, name) is not None for name in SlaMinimums.__struct_fields__),
        Clause.SUPPORT_CHANNELS: bool(requirements.required_support_channels),
        Clause.PENALTIES: bool(requirements.penalties.strip()),
        Clause.DATA_PROTECTION: bool(requirements.data_protection.strip()),
        Clause.MIGRATION: bool(requirements.migration_support.strip()),
    }[clause]


def validate_budget(budget: Budget) -> None:
    require(bool(budget.lines), rules.PROCUREMENT_BUDGET_LINES, "lines")
    for line in budget.lines:
        require(line.amount_krw > 0, rules.PROCUREMENT_BUDGET_LINES, "lines")
    items = [line.item for line in budget.lines]
    require(len(items) == len(set(items)), rules.PROCUREMENT_BUDGET_LINES, "lines")


def validate_requirements(requirements: Requirements, budget: Budget) -> None:
    for name in ("purpose", "usage_environment"):
        require(bool(getattr(requirements, name).strip()), rules.REQUIREMENTS_SECTION_MISSING,
                name, section=name)
    require(bool(requirements.functional_requirements), rules.REQUIREMENTS_SECTION_MISSING,
            "functional_requirements", section="functional_requirements")
    require(bool(requirements.service_types), rules.REQUIREMENTS_SECTION_MISSING,
            "service_types", section="service_types")
    require(requirements.usage_months > 0, rules.REQUIREMENTS_SECTION_MISSING, "usage_months",
            section="usage_months")
    require(requirements.budget_krw > 0, rules.REQUIREMENTS_SECTION_MISSING, "budget_krw",
            section="budget_krw")
    require(requirements.budget_krw <= budget.total_krw, rules.REQUIREMENTS_EXCEED_BUDGET,
            "budget_krw", requested=f"{requirements.budget_krw:,}",
            confirmed=f"{budget.total_krw:,}")
    sla = requirements.sla_minimums
    for name in ("availability_percent", "backup_compliance_percent",
                 "support_handling_rate_percent"):
        value = getattr(sla, name)
        require(value is None or Decimal(0) < value <= Decimal(100),
                rules.REQUIREMENTS_SLA_RANGE, f"sla_minimums.{name}", indicator=name)
