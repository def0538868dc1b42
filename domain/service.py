"""The DigitalService aggregate (디지털서비스): one selected service's life in the support system.

Selected by the committee → Registered (published) → information changes, Digital Service Mall
listing, innovation-product designation, certifications, suspensions, until its selection is
cancelled or its validity expires (SPEC §1; Notice arts. 4-8).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import current_context
from domain.aggregate import LedgerAggregate
from domain.rules import refuse, require
from domain.values import (
    Certification,
    CertificationKind,
    PricingModel,
    ProviderType,
    ServiceProfile,
    ServiceStatus,
    ServiceType,
)

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


def service_id_for(notice_number: str) -> UUID:
    """A selection notice names exactly one service, so its number fixes the service's id: the same
    selection recorded twice is refused instead of creating a twin."""
    return uuid5(SERVICE_NAMESPACE, unicodedata.normalize("NFKC", notice_number).strip())


class DigitalService(LedgerAggregate):
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
                              cancelled=self.cancelled, expired=self.expired)

    @property
    def is_searchable(self) -> bool:
        """Only a registered service that is not suspended, cancelled or expired is found by
        search and can be quoted, awarded or contracted (SPEC §1)."""
        return self.status is ServiceStatus.REGISTERED

    def _require_open(self) -> None:
        if self.cancelled or self.expired:
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


def service_status(*, registered: bool, suspended: bool, cancelled: bool,
                   expired: bool) -> ServiceStatus:
    """One status from the four facts the events record; a cancellation or expiry outranks a
    suspension, which only matters while the selection is alive."""
    if cancelled:
        return ServiceStatus.CANCELLED
    if expired:
        return ServiceStatus.EXPIRED
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
