"""What a usage contract says (⑥): its kind and period, price, SLA annex and end-of-contract
clauses; and what the provider reports against the SLA (⑧)."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import msgspec

from domain import bounds
from domain.values import LabelledEnum, PricingModel


class ContractKind(LabelledEnum):
    SINGLE_YEAR = "single_year"  # 단년도: at most 12 months inside one fiscal year (the default)
    LONG_TERM_CONTINUING = "long_term_continuing"  # 장기계속계약 (Contract Rules art. 76-10)
    MONTHLY = "monthly"  # 월단위


class ContractStatus(LabelledEnum):
    ACTIVE = "active"
    RESCINDED = "rescinded"  # 해제
    TERMINATED = "terminated"  # 해지
    EXPIRED = "expired"  # 만료
    CLOSED = "closed"


class Indicator(enum.Enum):
    """The SLA indicators the guideline's monitoring list names (⑧ 서비스 이용점검 및 관리)."""

    AVAILABILITY = "availability_percent"  # 가용률
    RECOVERY = "max_recovery_minutes"  # 장애 복구 시간
    SECURITY_EVENTS = "security_events"  # 침해 사고 건수
    RESPONSE_TIME = "response_time_ms"  # 응답시간
    BACKUP = "backup_compliance_percent"  # 백업준수율
    SUPPORT_HOURS = "support_handling_hours"  # 고객요청 처리시간
    SUPPORT_RATE = "support_handling_rate_percent"  # 고객요청 처리율

    @property
    def higher_is_better(self) -> bool:
        return self in {Indicator.AVAILABILITY, Indicator.BACKUP, Indicator.SUPPORT_RATE}


class SlaTarget(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    indicator: Indicator
    target: Decimal
    """The level promised: a minimum where higher is better, otherwise a maximum."""

    def __post_init__(self) -> None:
        # Bounded by what the indicator can be (domain/bounds.py): a target of 140 % availability
        # or -1 minutes is a typing error, and a NaN target makes every comparison raise.
        check_indicator(self.indicator, self.target, "target")


class SlaAnnex(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """<SLA 작성 항목>: target, scope, period, indicators and levels, grades, evaluation method and
    procedure, and how results are managed."""

    service_target: str
    scope: str
    period: str
    targets: tuple[SlaTarget, ...]
    grades: str
    evaluation_method: str
    result_management: str

    def __post_init__(self) -> None:
        bounds.texts(self)


class UnitPrice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A unit price of a metered fee (unit-price contract, Contract Rules art. 76-11)."""

    item: str
    unit: str
    price_krw: Decimal

    def __post_init__(self) -> None:
        bounds.texts(self, default=bounds.LINE_LENGTH)
        bounds.amount(self.price_krw, "price_krw", places=bounds.UNIT_PRICE_PLACES)


class ContractedService(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A service as registered in the support system when the contract was concluded."""

    service_id: str
    name: str
    provider_id: str
    provider_name: str
    service_type: str

    def __post_init__(self) -> None:
        bounds.texts(self, {"name": bounds.NAME_LENGTH, "provider_name": bounds.NAME_LENGTH},
                     default=bounds.ID_LENGTH)


# Bounds of an agreed data-exit timing. The return is never agreed later than the end date: Decree
# art. 19(4) binds every provider to return the data *before* the contract or business end date,
# and art. 19(6) lets a public body's contract set how early (the interior ministry's standard),
# not suspend (4). Half a year earlier is already a migration plan, not a return clause.
MAX_RETURN_DAYS_BEFORE_END = 180
# Destruction follows the end date (art. 19(1)3, (2)4); a contract may give the provider time to
# destroy and certify it. Beyond a quarter the agency's data outlives the contract by more than
# any standard form allows for, so a larger figure is a typing error.
MAX_DESTRUCTION_DAYS_AFTER_END = 90


class DataExitClause(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How and when the agency's data leaves the provider, as the contract agreed it (Decree art.
    19(6): a public body's contract sets the return and destruction method and timing).

    ``return_days_before_end``: data asked back is returned before (end − N days); 0 is the
    Decree's own "before the end date" (art. 19(4)). ``destruction_days_after_end``: data not asked
    back (or once returned) is destroyed within N days after the end date; 0: by the end date."""

    return_method: str
    return_days_before_end: int = 0
    destruction_method: str
    destruction_days_after_end: int = 0

    def __post_init__(self) -> None:
        bounds.texts(self)
        bounds.count(self.return_days_before_end, "return_days_before_end",
                     MAX_RETURN_DAYS_BEFORE_END, "days")
        bounds.count(self.destruction_days_after_end, "destruction_days_after_end",
                     MAX_DESTRUCTION_DAYS_AFTER_END, "days")


class ContractTerms(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    kind: ContractKind = ContractKind.SINGLE_YEAR
    start: date
    end: date
    pricing_model: PricingModel
    total_amount_krw: Decimal
    unit_prices: tuple[UnitPrice, ...] = ()
    sla: SlaAnnex
    subcontracted_parts: tuple[str, ...] = ()
    data_return_clause: str
    lock_in_clause: str
    standard_form_used: bool
    deposit_krw: Decimal = Decimal(0)
    data_exit: DataExitClause | None = None
    """The agreed return and destruction timing (art. 19(6)); None: the Decree's own default
    (contracts concluded before this field existed decode with None)."""

    def __post_init__(self) -> None:
        bounds.texts(self, {"subcontracted_parts": bounds.LINE_LENGTH})
        # 0 passes here so validate_terms refuses it under its own rule (contract.terms).
        bounds.amount(self.total_amount_krw, "total_amount_krw", zero_allowed=True)
        # 0: no contract deposit (계약보증금 면제, e.g. a contract under the exemption threshold).
        bounds.amount(self.deposit_krw, "deposit_krw", zero_allowed=True)


class Incident(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    started: str
    recovery_minutes: int
    description: str

    def __post_init__(self) -> None:
        bounds.texts(self, {"started": bounds.ID_LENGTH})
        bounds.count(self.recovery_minutes, "recovery_minutes", bounds.MAX_RECOVERY_MINUTES,
                     "minutes")


class SlaFigures(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One period's monitoring figures as the provider reports them (⑧)."""

    period_start: date
    period_end: date
    availability_percent: Decimal | None = None
    incidents: tuple[Incident, ...] = ()
    security_events: int | None = None
    response_time_ms: Decimal | None = None
    backup_compliance_percent: Decimal | None = None
    support_handling_hours: Decimal | None = None
    support_handling_rate_percent: Decimal | None = None
    service_specific: dict[str, str] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every figure is checked for what it can physically be: NaN, ±Infinity, a negative
        # time or 140 % would be recorded as evidence and compared against the SLA (a "-5 %"
        # availability even recorded a breach).
        for indicator in Indicator:
            if indicator is not Indicator.RECOVERY:
                check_indicator(indicator, getattr(self, indicator.value), indicator.value)
        bounds.texts(self, default=bounds.NAME_LENGTH)

    def actual(self, indicator: Indicator) -> Decimal | None:
        if indicator is Indicator.RECOVERY:
            worst = max((incident.recovery_minutes for incident in self.incidents), default=None)
            return None if worst is None else Decimal(worst)
        value = getattr(self, indicator.value)
        return None if value is None else Decimal(value)


def check_indicator(indicator: Indicator, value: Decimal | int | None, field: str) -> None:
    """A figure or a target of ``indicator``: within what that indicator can be."""
    if indicator in {Indicator.AVAILABILITY, Indicator.BACKUP, Indicator.SUPPORT_RATE}:
        bounds.percentage(value, field)  # type: ignore[arg-type]
    elif indicator is Indicator.SECURITY_EVENTS:
        if isinstance(value, int) and not isinstance(value, bool):
            bounds.count(value, field, bounds.MAX_SECURITY_EVENTS, "events")
        else:
            bounds.quantity(value, field, bounds.MAX_SECURITY_EVENTS, "events", places=0)
    elif indicator is Indicator.RESPONSE_TIME:
        bounds.quantity(value, field, bounds.MAX_RESPONSE_TIME_MS, "milliseconds")
    elif indicator is Indicator.SUPPORT_HOURS:
        bounds.quantity(value, field, bounds.MAX_SUPPORT_HOURS, "hours")
    else:
        bounds.quantity(value, field, bounds.MAX_RECOVERY_MINUTES, "minutes")


class Breach(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    indicator: Indicator
    target: Decimal
    actual: Decimal


def breaches(targets: tuple[SlaTarget, ...], figures: SlaFigures) -> list[Breach]:
    """Compare a report with the SLA: the ledger computes breaches, nobody types them in."""
    found = []
    for target in targets:
        actual = figures.actual(target.indicator)
        if actual is None:
            continue
        missed = (actual < target.target if target.indicator.higher_is_better
                  else actual > target.target)
        if missed:
            found.append(Breach(indicator=target.indicator, target=target.target, actual=actual))
    return found


class TerminationGround(LabelledEnum):
    """Grounds of rescission or termination listed by the guideline (⑨ 이용계약 종료 예시)."""

    BREACH_OF_OBLIGATION = "breach_of_obligation"
    SLA_NO_PROSPECT = "sla_no_prospect"
    BANKRUPTCY = "bankruptcy"
    SELECTION_CANCELLED_OR_CSAP_REVOKED = "selection_cancelled_or_csap_revoked"
    OTHER_SERIOUS_FAULT = "other_serious_fault"
    AGENCY_NECESSITY = "agency_necessity"

    @property
    def provider_fault(self) -> bool:
        return self is not TerminationGround.AGENCY_NECESSITY


class NoticeChannel(LabelledEnum):
    """How an end notice may be sent (Decree art. 19(3))."""

    PHONE = "phone"
    MOBILE = "mobile"
    POST = "post"
    EMAIL = "email"
    SMS = "sms"


class EndNotice(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The five items of Decree art. 19(1), and the channels used (art. 19(3))."""

    end_date: date
    return_right: str
    """That the agency may ask for its data back."""
    destruction_notice: str
    """That data not taken back by the end date will be destroyed."""
    return_method: str
    contact: str
    """The responsible department and how to reach it."""
    channels: frozenset[NoticeChannel]

    def __post_init__(self) -> None:
        bounds.texts(self)


class FollowUp(LabelledEnum):
    ENDED = "ended"  # 계약 종료
    RENEWED = "renewed"  # 재계약: same provider, no migration
    REPLACED = "replaced"  # 신규계약: a new procurement, migration needed
