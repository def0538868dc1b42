"""The DigitalService aggregate (디지털서비스): one selected service's life in the support system.

Selected by the committee → Registered (published) → information changes, Digital Service Mall
listing, innovation-product designation, certifications, suspensions, until its selection is
cancelled or its validity expires (SPEC §1; Notice arts. 4-8).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import Role, current_context
from domain.aggregate import LedgerAggregate, require_system
from domain.contract_terms import NoticeChannel
from domain.rules import refuse, require
from domain.values import (
    Certification,
    CertificationKind,
    LabelledEnum,
    PricingModel,
    ProviderType,
    ServiceProfile,
    ServiceStatus,
    ServiceType,
)

CESSATION_NOTICE_DAYS = 30  # Decree art. 19(2): at least 30 days before the business end date

SERVICE_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000001")


class FieldChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One field of an information change, before and after, as stored builtins."""

    field: str
    before: Any
    after: Any


class InnovationDesignation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    designation_number: str
    valid_from: date
    valid_until: date

    def __post_init__(self) -> None:
        bounds.texts(self, default=bounds.ID_LENGTH)


class CessationScope(LabelledEnum):
    ALL = "all"  # 사업의 전부
    PART = "part"  # 사업의 일부


class BusinessCessation(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A provider ending all or part of its business (Decree art. 19(2)): the six items it tells
    every user, the channels it uses ((3)) and the website page where it keeps them posted until
    the end date. Recorded on each affected service under one ``cessation_id``."""

    cessation_id: str
    scope: CessationScope
    business: str
    """1. What business ends (종료하려는 사업의 내용)…"""
    reason: str
    """1. …and why (그 사유)."""
    end_date: date
    """2. The business end date (사업 종료일)."""
    return_right: str
    """3. That users may ask for their data back."""
    destruction_notice: str
    """4. That data not taken back by the end date is destroyed."""
    return_method: str
    """5. How and by what procedure the data is returned."""
    contact: str
    """6. The responsible department and how to reach it."""
    channels: frozenset[NoticeChannel]
    posted_at: str
    """The page of the provider's website where the notice stays posted until the end date."""

    def __post_init__(self) -> None:
        bounds.texts(self, {"cessation_id": bounds.ID_LENGTH, "posted_at": bounds.LINE_LENGTH})

    def missing_item(self) -> str | None:
        """The first of the Decree's items left blank, or None."""
        for name in ("business", "reason", "return_right", "destruction_notice",
                     "return_method", "contact", "posted_at"):
            if not getattr(self, name).strip():
                return name
        return None if self.channels else "channels"


def service_id_for(notice_number: str) -> UUID:
    """A selection notice names exactly one service, so its number fixes the service's id: the same
    selection recorded twice is refused instead of creating a twin."""
    return uuid5(SERVICE_NAMESPACE, unicodedata.normalize("NFKC", notice_number).strip())


class DigitalService(LedgerAggregate):
    # Added after services were first recorded: class-level defaults, so a service restored from
    # an older snapshot reads "no cessation".
    cessation: BusinessCessation | None = None
    ceased: bool = False

    @staticmethod
    def create_id(notice_number: str) -> UUID:
        return service_id_for(notice_number)

    # --- commands ---------------------------------------------------------------------------
    @classmethod
    def select(
        cls,
        *,
        notice_number: str,
        selection_date: date,
        valid_until: date,
        profile: ServiceProfile,
    ) -> DigitalService:
        bounds.text(notice_number, "notice_number", bounds.ID_LENGTH)
        require(bool(notice_number.strip()), rules.SERVICE_TEXT_REQUIRED, "notice_number",
                name="notice_number")
        require(valid_until > selection_date, rules.SERVICE_SELECTION_VALIDITY, "valid_until")
        validate_profile(profile)
        return cls(
            notice_number=notice_number.strip(),
            selection_date=selection_date,
            valid_until=valid_until,
            profile=profile,
        )

    def register(self) -> None:
        self._require_open()
        require(self.status is ServiceStatus.SELECTED, rules.SERVICE_ALREADY_REGISTERED)
        self._registered()

    def change_info(self, profile: ServiceProfile) -> None:
        self._require_open()
        validate_profile(profile)
        require(profile.provider_id == self.profile.provider_id,
                rules.SERVICE_PROVIDER_IMMUTABLE, "provider_id")
        before = msgspec.to_builtins(self.profile, order="deterministic")
        after = msgspec.to_builtins(profile, order="deterministic")
        changes = [
            FieldChange(field=name, before=before.get(name), after=after.get(name))
            for name in ServiceProfile.__struct_fields__
            if before.get(name) != after.get(name)
        ]
        require(bool(changes), rules.SERVICE_NO_CHANGE)
        self._info_changed(changes=changes)

    def list_in_mall(self, contract_number: str, listed_on: date) -> None:
        bounds.text(contract_number, "contract_number", bounds.ID_LENGTH)
        self._require_active(action="listed in the Digital Service Mall",
                             action_ko="디지털서비스몰에 등록할")
        require(bool(contract_number.strip()), rules.SERVICE_TEXT_REQUIRED, "contract_number",
                name="contract_number")
        if self.mall_contract_number is not None:
            refuse(rules.SERVICE_ALREADY_MALL_LISTED, contract_number=self.mall_contract_number)
        self._mall_listed(contract_number=contract_number.strip(), listed_on=listed_on)

    def delist_from_mall(self, reason: str) -> None:
        require(self.mall_contract_number is not None, rules.SERVICE_NOT_MALL_LISTED)
        require(bool(reason.strip()), rules.SERVICE_TEXT_REQUIRED, "reason", name="reason")
        self._mall_delisted(reason=reason.strip())

    def designate_innovation_product(self, designation: InnovationDesignation) -> None:
        self._require_open()
        require(bool(designation.designation_number.strip()), rules.SERVICE_TEXT_REQUIRED,
                "designation_number", name="designation_number")
        require(
            designation.valid_until > designation.valid_from
            and designation.valid_until >= current_context().today,
            rules.SERVICE_DESIGNATION_VALIDITY, "valid_until",
        )
        self._innovation_product_designated(designation=designation)

    def add_certification(self, certification: Certification) -> None:
        self._require_open()
        today = current_context().today
        params = {"kind": certification.kind.value, "number": certification.number,
                  "today": today.isoformat()}
        require(bool(certification.number.strip()), rules.SERVICE_TEXT_REQUIRED, "number",
                name="number")
        require(
            certification.valid_until > certification.valid_from
            and certification.valid_until >= today,
            rules.CERTIFICATION_VALIDITY, "valid_until", **params,
        )
        require(_cert_key(certification.kind, certification.number) not in self.certifications,
                rules.CERTIFICATION_DUPLICATE, "number", **params)
        self._certification_added(certification=certification)

    def expire_certification(self, kind: CertificationKind, number: str) -> None:
        self._require_open()
        held = self._held_certification(kind, number)
        today = current_context().today
        # A certificate is valid through its last day; it has expired from the day after.
        require(today > held.valid_until, rules.CERTIFICATION_NOT_YET_EXPIRED,
                kind=kind.value, number=number, valid_until=held.valid_until.isoformat(),
                today=today.isoformat())
        self._certification_expired(kind=kind, number=number)

    def revoke_certification(self, kind: CertificationKind, number: str, reason: str) -> None:
        self._require_open()
        self._held_certification(kind, number)
        require(bool(reason.strip()), rules.SERVICE_TEXT_REQUIRED, "reason", name="reason")
        self._certification_revoked(kind=kind, number=number, reason=reason.strip())

    def suspend(self, reason: str) -> None:
        self._require_open()
        require(self.status is not ServiceStatus.SELECTED, rules.SERVICE_NOT_REGISTERED,
                action="suspended", action_ko="정지할")
        require(not self.suspended, rules.SERVICE_ALREADY_SUSPENDED)
        require(bool(reason.strip()), rules.SERVICE_TEXT_REQUIRED, "reason", name="reason")
        self._suspended(reason=reason.strip())

    def reinstate(self, reason: str) -> None:
        self._require_open()
        require(self.suspended, rules.SERVICE_NOT_SUSPENDED)
        require(bool(reason.strip()), rules.SERVICE_TEXT_REQUIRED, "reason", name="reason")
        self._reinstated(reason=reason.strip())

    def cancel_selection(self, reason: str) -> None:
        self._require_open()
        require(bool(reason.strip()), rules.SERVICE_TEXT_REQUIRED, "reason", name="reason")
        self._selection_cancelled(reason=reason.strip())

    def notice_business_cessation(self, cessation: BusinessCessation) -> None:
        """Decree art. 19(2)-(3): the provider (or the operator on its behalf) records the
        cessation at least 30 days before the business end date, with every item and a channel."""
        actor = current_context().actor
        if actor.role is Role.PROVIDER:
            require(actor.provider_id == self.profile.provider_id, rules.CESSATION_SERVICES,
                    "service_ids", service_id=str(self.id), provider_id=actor.provider_id or "")
        elif actor.role is not Role.OPERATOR:
            refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value,
                   allowed="provider (its own services), operator")
        require(not self.cancelled and not self.expired and not self.ceased
                and self.registered, rules.CESSATION_SERVICES, "service_ids",
                service_id=str(self.id), provider_id=self.profile.provider_id)
        if self.cessation is not None:
            refuse(rules.CESSATION_ALREADY_NOTICED, service_id=str(self.id),
                   end=self.cessation.end_date.isoformat())
        missing = cessation.missing_item()
        if missing is not None:
            refuse(rules.CESSATION_ITEMS, missing, item=missing)
        today = current_context().today
        require(today <= cessation.end_date - timedelta(days=CESSATION_NOTICE_DAYS),
                rules.CESSATION_LATE, "end_date", end=cessation.end_date.isoformat(),
                today=today.isoformat())
        self._business_cessation_noticed(cessation=cessation)

    def end_business(self) -> None:
        """Recorded by the scheduler on the business end date: from then on the service is not
        found, quoted or contracted (it is no longer provided)."""
        require_system()
        cessation = self.cessation
        require(cessation is not None and not self.ceased
                and current_context().today >= cessation.end_date,
                rules.DEADLINE_NOT_APPLICABLE, kind="business_end")
        assert cessation is not None
        self._business_ended(cessation_id=cessation.cessation_id)

    def expire_validity(self) -> None:
        self._require_open()
        today = current_context().today
        require(today > self.valid_until, rules.SERVICE_VALIDITY_NOT_REACHED,
                valid_until=self.valid_until.isoformat(), today=today.isoformat())
        self._validity_expired()

    # --- queries ----------------------------------------------------------------------------
    @property
    def status(self) -> ServiceStatus:
        return service_status(registered=self.registered, suspended=self.suspended,
                              cancelled=self.cancelled, expired=self.expired, ceased=self.ceased)

    @property
    def is_searchable(self) -> bool:
        """Only a registered service that is not suspended, cancelled or expired is found by
        search and can be quoted, awarded or contracted (SPEC §1)."""
        return self.status is ServiceStatus.REGISTERED

    def _require_open(self) -> None:
        if self.cancelled or self.expired or self.ceased:
            refuse(rules.SERVICE_CLOSED, status=self.status.value, status_ko=self.status.ko)

    def _require_active(self, *, action: str, action_ko: str) -> None:
        require(self.is_searchable, rules.SERVICE_NOT_ACTIVE, status=self.status.value,
                status_ko=self.status.ko, action=action, action_ko=action_ko)

    def _held_certification(self, kind: CertificationKind, number: str) -> Certification:
        held = self.certifications.get(_cert_key(kind, number))
        if held is None:
            refuse(rules.CERTIFICATION_NOT_VALID, "number", kind=kind.value, number=number)
        return held

    # --- events: each method body is the state transition, applied on replay too -----------
    @event("Selected")
    def __init__(
        self,
        notice_number: str,
        selection_date: date,
        valid_until: date,
        profile: ServiceProfile,
    ) -> None:
        self.notice_number = notice_number
        self.selection_date = selection_date
        self.valid_until = valid_until
        self.profile = profile
        self.registered = False
        self.suspended = False
        self.cancelled = False
        self.expired = False
        self.mall_contract_number: str | None = None
        self.innovation: InnovationDesignation | None = None
        self.certifications: dict[str, Certification] = {}

    @event("Registered")
    def _registered(self) -> None:
        self.registered = True

    @event("InfoChanged")
    def _info_changed(self, changes: list[FieldChange]) -> None:
        builtins = msgspec.to_builtins(self.profile)
        builtins.update({change.field: change.after for change in changes})
        with bounds.trusted():  # checked by the command; replaying must not check again
            self.profile = msgspec.convert(builtins, ServiceProfile)

    @event("MallListed")
    def _mall_listed(self, contract_number: str, listed_on: date) -> None:
        self.mall_contract_number = contract_number

    @event("MallDelisted")
    def _mall_delisted(self, reason: str) -> None:
        self.mall_contract_number = None

    @event("InnovationProductDesignated")
    def _innovation_product_designated(self, designation: InnovationDesignation) -> None:
        self.innovation = designation

    @event("CertificationAdded")
    def _certification_added(self, certification: Certification) -> None:
        self.certifications[_cert_key(certification.kind, certification.number)] = certification

    @event("CertificationExpired")
    def _certification_expired(self, kind: CertificationKind, number: str) -> None:
        self.certifications.pop(_cert_key(kind, number), None)

    @event("CertificationRevoked")
    def _certification_revoked(self, kind: CertificationKind, number: str, reason: str) -> None:
        self.certifications.pop(_cert_key(kind, number), None)

    @event("Suspended")
    def _suspended(self, reason: str) -> None:
        self.suspended = True

    @event("Reinstated")
    def _reinstated(self, reason: str) -> None:
        self.suspended = False

    @event("SelectionCancelled")
    def _selection_cancelled(self, reason: str) -> None:
        self.cancelled = True

    @event("ValidityExpired")
    def _validity_expired(self) -> None:
        self.expired = True

    @event("BusinessCessationNoticed")
    def _business_cessation_noticed(self, cessation: BusinessCessation) -> None:
        self.cessation = cessation

    @event("BusinessEnded")
    def _business_ended(self, cessation_id: str) -> None:
        self.ceased = True


def service_status(*, registered: bool, suspended: bool, cancelled: bool,
                   expired: bool, ceased: bool = False) -> ServiceStatus:
    """One status from the four facts the events record; a cancellation or expiry outranks a
    suspension, which only matters while the selection is alive."""
    if cancelled:
        return ServiceStatus.CANCELLED
    if expired:
        return ServiceStatus.EXPIRED
    if ceased:
        return ServiceStatus.CEASED
    if not registered:
        return ServiceStatus.SELECTED
    if suspended:
        return ServiceStatus.SUSPENDED
    return ServiceStatus.REGISTERED


def _cert_key(kind: CertificationKind, number: str) -> str:
    return f"{kind.value}:{number.strip()}"


_TEXT_FIELDS = ("name", "provider_id", "provider_name", "description")


def validate_profile(profile: ServiceProfile) -> None:
    """The invariants of a catalogue entry, checked on selection and on every change.

    The API's schema constraints only apply when a request is decoded; these hold for every
    command, whoever calls it.
    """
    for name in _TEXT_FIELDS:
        require(bool(getattr(profile, name).strip()), rules.SERVICE_TEXT_REQUIRED, name,
                name=name)
    is_support = profile.service_type is ServiceType.SUPPORT
    require(bool(profile.support_kinds) == is_support, rules.SERVICE_SUPPORT_KINDS,
            "support_kinds")
    is_reseller = profile.provider_type is ProviderType.RESELLER
    require((profile.partnership is not None) == is_reseller, rules.SERVICE_RESELLER_PARTNERSHIP,
            "partnership")
    if profile.partnership is not None:
        require(
            bool(profile.partnership.original_provider_name.strip())
            and profile.partnership.valid_until > profile.partnership.valid_from,
            rules.SERVICE_RESELLER_PARTNERSHIP, "partnership",
        )
    for plan in profile.price_plans:
        if not plan.name.strip() or not plan.unit.strip():
            refuse(rules.SERVICE_PRICE_PLAN, "price_plans", plan=plan.name,
                   problem="name and unit are required", problem_ko="이름과 단위가 필요합니다")
        if not plan.unit_price_krw.is_finite() or plan.unit_price_krw < 0 or (
            plan.model is PricingModel.METERED and plan.unit_price_krw == 0
        ):
            refuse(rules.SERVICE_PRICE_PLAN, "price_plans", plan=plan.name,
                   problem="the unit price must be positive (zero only for a flat or prepaid plan)",
                   problem_ko="단가는 양수여야 합니다(정액제·예치제만 0 허용)")
