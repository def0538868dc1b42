"""Every rule on a digital service refuses its forbidden case with that rule, and records nothing.

Each refusal runs inside `refused(...)`, which checks the rule, the field it names, that the
ledger's global sequence did not move and that the service reloads at the same version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError

from domain import rules
from domain.actor import CommandContext
from domain.ledger import CommandResult, Ledger
from domain.repository import CopyingRepository
from domain.service import SERVICE_NAMESPACE, DigitalService, InnovationDesignation, service_id_for
from domain.values import (
    Certification,
    CertificationKind,
    PricePlan,
    PricingModel,
    ProviderType,
    ResellerPartnership,
    ServiceStatus,
    ServiceType,
    SupportKind,
)
from tests.domain.conftest import (
    EXPIRY_MOMENT,
    SELECTION_DATE,
    VALID_UNTIL,
    Clock,
    ContextFactory,
    ProfileFactory,
    ServiceIn,
    recorded_events,
    refused,
    reseller_partnership,
    select,
    select_and_register,
    valid_profile,
)

Command = Callable[[Ledger, CommandContext, UUID], CommandResult]


def csap(number: str = "CSAP-2026-0042", *, valid_from: date = date(2025, 6, 1),
         valid_until: date = date(2031, 5, 31)) -> Certification:
    return Certification(kind=CertificationKind.CSAP, number=number, issuer="한국인터넷진흥원",
                         valid_from=valid_from, valid_until=valid_until)


def designation(number: str = "혁신-2026-007", *, valid_from: date = date(2026, 1, 1),
                valid_until: date = date(2031, 12, 31)) -> InnovationDesignation:
    return InnovationDesignation(designation_number=number, valid_from=valid_from,
                                 valid_until=valid_until)


# --- selection (고시 제4조, 제7조) ----------------------------------------------------------------


def test_a_service_is_identified_by_its_selection_notice_number(
        ledger: Ledger, operator: CommandContext) -> None:
    service_id = select(ledger, operator, notice_number="  선정-2026-001 ")

    assert service_id == uuid5(SERVICE_NAMESPACE, "선정-2026-001")
    assert service_id == service_id_for("선정-2026-001") == ledger.service_id_for("선정-2026-001")
    assert service_id != service_id_for("선정-2026-002")
    assert ledger.load(DigitalService, service_id).notice_number == "선정-2026-001"


@pytest.mark.parametrize("again", ["선정-2026-001", " 선정-2026-001\t"])
def test_the_same_selection_notice_cannot_be_recorded_twice(
        ledger: Ledger, operator: CommandContext, again: str) -> None:
    service_id = select(ledger, operator, notice_number="선정-2026-001")
    other = valid_profile(ServiceType.SAAS, name="다른 이름의 서비스")

    with refused(ledger, rules.SERVICE_ALREADY_SELECTED, service_id=service_id) as excinfo:
        select(ledger, operator, notice_number=again, profile=other)
    assert excinfo.value.params["notice_number"] == again
    assert ledger.load(DigitalService, service_id).profile == valid_profile()


@pytest.mark.parametrize("notice_number", ["", "   ", "\u3000"])
def test_a_selection_must_name_its_notice_number(
        ledger: Ledger, operator: CommandContext, notice_number: str) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="notice_number"):
        select(ledger, operator, notice_number=notice_number)


@pytest.mark.parametrize("valid_until", [SELECTION_DATE, SELECTION_DATE - timedelta(days=1)])
def test_a_selection_must_be_valid_until_a_date_after_it_was_made(
        ledger: Ledger, operator: CommandContext, valid_until: date) -> None:
    with refused(ledger, rules.SERVICE_SELECTION_VALIDITY, field="valid_until"):
        ledger.select_service(operator, notice_number="선정-2026-001",
                              selection_date=SELECTION_DATE, valid_until=valid_until,
                              profile=valid_profile())


# --- the catalogue entry's invariants (고시 제5조, 제6조; annex) ---------------------------------


@pytest.mark.parametrize("blank", ["", "  ", "\u3000\n"])
@pytest.mark.parametrize("name", ["name", "provider_id", "provider_name", "description"])
def test_a_catalogue_entry_must_state_its_name_provider_and_description(
        ledger: Ledger, operator: CommandContext, name: str, blank: str) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field=name) as excinfo:
        select(ledger, operator, profile=msgspec.structs.replace(valid_profile(), **{name: blank}))
    assert excinfo.value.params["name"] == name


def test_an_information_change_must_not_blank_out_the_description(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="description", service_id=registered):
        ledger.change_service_info(operator, registered, valid_profile(description=" "))


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_each_service_type_has_a_valid_catalogue_entry(
        ledger: Ledger, operator: CommandContext, profile_factory: ProfileFactory,
        service_type: ServiceType) -> None:
    service_id = select(ledger, operator, profile=profile_factory(service_type))

    assert ledger.load(DigitalService, service_id).profile.service_type is service_type


@pytest.mark.parametrize(("service_type", "support_kinds"), [
    (ServiceType.SUPPORT, frozenset()),
    (ServiceType.IAAS, frozenset({SupportKind.MIGRATION})),
    (ServiceType.PAAS, frozenset({SupportKind.OPERATIONS})),
    (ServiceType.SAAS, frozenset({SupportKind.CONSULTING})),
    (ServiceType.CONVERGENCE, frozenset(SupportKind)),
])
def test_support_kinds_are_required_for_a_support_service_and_allowed_only_for_one(
        ledger: Ledger, operator: CommandContext, service_type: ServiceType,
        support_kinds: frozenset[SupportKind]) -> None:
    profile = valid_profile(service_type, support_kinds=support_kinds)

    with refused(ledger, rules.SERVICE_SUPPORT_KINDS, field="support_kinds"):
        select(ledger, operator, profile=profile)


def test_an_information_change_cannot_turn_a_support_service_into_one_without_support_kinds(
        ledger: Ledger, operator: CommandContext) -> None:
    service_id = select(ledger, operator, profile=valid_profile(ServiceType.SUPPORT))
    changed = valid_profile(ServiceType.SUPPORT, support_kinds=frozenset())

    with refused(ledger, rules.SERVICE_SUPPORT_KINDS, field="support_kinds",
                 service_id=service_id):
        ledger.change_service_info(operator, service_id, changed)


@pytest.mark.parametrize("partnership", [
    None,
    ResellerPartnership(original_provider_name="", valid_from=date(2025, 1, 1),
                        valid_until=date(2027, 12, 31)),
    ResellerPartnership(original_provider_name=" \u3000", valid_from=date(2025, 1, 1),
                        valid_until=date(2027, 12, 31)),
    ResellerPartnership(original_provider_name="원제공 주식회사", valid_from=date(2025, 1, 1),
                        valid_until=date(2025, 1, 1)),
    ResellerPartnership(original_provider_name="원제공 주식회사", valid_from=date(2025, 1, 1),
                        valid_until=date(2024, 12, 31)),
], ids=["no-partnership", "empty-name", "blank-name", "ends-when-it-starts", "ends-before"])
def test_a_reseller_must_name_its_original_provider_and_partnership_validity(
        ledger: Ledger, operator: CommandContext, partnership: ResellerPartnership | None) -> None:
    profile = valid_profile(provider_type=ProviderType.RESELLER, partnership=partnership)

    with refused(ledger, rules.SERVICE_RESELLER_PARTNERSHIP, field="partnership"):
        select(ledger, operator, profile=profile)


def test_an_original_provider_names_no_reseller_partnership(
        ledger: Ledger, operator: CommandContext) -> None:
    profile = valid_profile(provider_type=ProviderType.ORIGINAL,
                            partnership=reseller_partnership())

    with refused(ledger, rules.SERVICE_RESELLER_PARTNERSHIP, field="partnership"):
        select(ledger, operator, profile=profile)


def test_a_reseller_with_its_partnership_is_selected(
        ledger: Ledger, operator: CommandContext) -> None:
    profile = valid_profile(provider_type=ProviderType.RESELLER,
                            partnership=reseller_partnership())

    service_id = select(ledger, operator, profile=profile)

    assert ledger.load(DigitalService, service_id).profile.partnership == reseller_partnership()


def _plan(model: PricingModel, price: str, *, name: str = "요금제", unit: str = "월") -> PricePlan:
    return PricePlan(name=name, model=model, unit_price_krw=Decimal(price), unit=unit)


@pytest.mark.parametrize("plan", [
    _plan(PricingModel.FLAT, "1000", name=""),
    _plan(PricingModel.METERED, "10", name=" "),
    _plan(PricingModel.PREPAID, "1000", unit=""),
    _plan(PricingModel.FLAT, "1000", unit="\u3000"),
], ids=["flat-no-name", "metered-blank-name", "prepaid-no-unit", "flat-blank-unit"])
def test_a_price_plan_must_state_its_name_and_unit(
        ledger: Ledger, operator: CommandContext, plan: PricePlan) -> None:
    with refused(ledger, rules.SERVICE_PRICE_PLAN, field="price_plans"):
        select(ledger, operator, profile=valid_profile(price_plans=(plan,)))


@pytest.mark.parametrize("plan", [
    _plan(PricingModel.FLAT, "-1"),
    _plan(PricingModel.PREPAID, "-0.01"),
    _plan(PricingModel.METERED, "-55"),
    _plan(PricingModel.METERED, "0"),
    _plan(PricingModel.METERED, "0.00"),
], ids=["flat-negative", "prepaid-negative", "metered-negative", "metered-zero",
        "metered-zero-scaled"])
def test_a_unit_price_must_be_positive_and_zero_only_for_a_flat_or_prepaid_plan(
        ledger: Ledger, operator: CommandContext, plan: PricePlan) -> None:
    with refused(ledger, rules.SERVICE_PRICE_PLAN, field="price_plans") as excinfo:
        select(ledger, operator, profile=valid_profile(price_plans=(plan,)))
    assert excinfo.value.params["plan"] == plan.name


@pytest.mark.parametrize("model", [PricingModel.FLAT, PricingModel.PREPAID, PricingModel.METERED])
def test_a_unit_price_that_is_not_a_number_is_refused_as_a_price_plan_problem(
        ledger: Ledger, operator: CommandContext, model: PricingModel) -> None:
    with refused(ledger, rules.SERVICE_PRICE_PLAN, field="price_plans"):
        select(ledger, operator, profile=valid_profile(price_plans=(_plan(model, "NaN"),)))


@pytest.mark.parametrize("model", [PricingModel.FLAT, PricingModel.PREPAID])
def test_a_flat_or_prepaid_plan_may_be_free(
        ledger: Ledger, operator: CommandContext, model: PricingModel) -> None:
    service_id = select(ledger, operator, profile=valid_profile(price_plans=(_plan(model, "0"),)))

    assert ledger.load(DigitalService, service_id).profile.price_plans[0].unit_price_krw == 0


# --- registration and information changes (고시 제5조, 제6조) -----------------------------------


@pytest.mark.parametrize("status", [ServiceStatus.REGISTERED, ServiceStatus.SUSPENDED])
def test_a_service_is_registered_in_the_support_system_only_once(
        ledger: Ledger, operator: CommandContext, service_in: ServiceIn,
        status: ServiceStatus) -> None:
    service_id = service_in(status)

    with refused(ledger, rules.SERVICE_ALREADY_REGISTERED, service_id=service_id):
        ledger.register_service(operator, service_id)


def test_an_unknown_service_cannot_be_registered(
        ledger: Ledger, operator: CommandContext) -> None:
    unknown = uuid4()

    with refused(ledger, rules.SERVICE_NOT_FOUND) as excinfo:
        ledger.register_service(operator, unknown)
    assert excinfo.value.params["service_id"] == str(unknown)


def test_an_information_change_must_change_something(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    with refused(ledger, rules.SERVICE_NO_CHANGE, service_id=registered):
        ledger.change_service_info(operator, registered, valid_profile())


def test_an_information_change_cannot_hand_the_service_to_another_provider(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    other_provider = valid_profile(provider_id="PRV-BADA", provider_name="바다클라우드 주식회사")

    with refused(ledger, rules.SERVICE_PROVIDER_IMMUTABLE, field="provider_id",
                 service_id=registered):
        ledger.change_service_info(operator, registered, other_provider)


# --- a cancelled or expired selection is closed (고시 제7조) ------------------------------------

ON_AN_OPEN_SERVICE: dict[str, Command] = {
    "register": lambda ledger, ctx, sid: ledger.register_service(ctx, sid),
    "change-info": lambda ledger, ctx, sid: ledger.change_service_info(
        ctx, sid, valid_profile(description="새 설명")),
    "designate-innovation": lambda ledger, ctx, sid: ledger.designate_innovation_product(
        ctx, sid, designation()),
    "add-certification": lambda ledger, ctx, sid: ledger.add_certification(ctx, sid, csap()),
    "suspend": lambda ledger, ctx, sid: ledger.suspend_service(ctx, sid, "점검 결과"),
    "reinstate": lambda ledger, ctx, sid: ledger.reinstate_service(ctx, sid, "시정 완료"),
    "cancel": lambda ledger, ctx, sid: ledger.cancel_service_selection(ctx, sid, "거짓 서류"),
    "expire": lambda ledger, ctx, sid: ledger.expire_service_validity(ctx, sid),
}


@pytest.mark.parametrize("command", ON_AN_OPEN_SERVICE.values(), ids=ON_AN_OPEN_SERVICE.keys())
@pytest.mark.parametrize("status", [ServiceStatus.CANCELLED, ServiceStatus.EXPIRED])
def test_nothing_more_is_recorded_on_a_cancelled_or_expired_selection(
        ledger: Ledger, context_factory: ContextFactory, service_in: ServiceIn,
        status: ServiceStatus, command: Command) -> None:
    service_id = service_in(status)

    with refused(ledger, rules.SERVICE_CLOSED, service_id=service_id) as excinfo:
        command(ledger, context_factory(), service_id)
    assert excinfo.value.params["status"] == status.value


# --- the Digital Service Mall (조달사업법 시행령 제16조) ----------------------------------------


@pytest.mark.parametrize("status", [ServiceStatus.SELECTED, ServiceStatus.SUSPENDED,
                                    ServiceStatus.CANCELLED, ServiceStatus.EXPIRED])
def test_only_a_registered_active_service_can_be_listed_in_the_mall(
        ledger: Ledger, context_factory: ContextFactory, service_in: ServiceIn,
        status: ServiceStatus) -> None:
    service_id = service_in(status)

    with refused(ledger, rules.SERVICE_NOT_ACTIVE, service_id=service_id) as excinfo:
        ledger.list_service_in_mall(context_factory(), service_id, "카탈로그-2026-0001",
                                    date(2026, 3, 2))
    assert excinfo.value.params["status"] == status.value


@pytest.mark.parametrize("contract_number", ["", "  "])
def test_a_mall_listing_names_its_catalogue_contract(
        ledger: Ledger, operator: CommandContext, registered: UUID, contract_number: str) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="contract_number",
                 service_id=registered):
        ledger.list_service_in_mall(operator, registered, contract_number, date(2026, 3, 2))


def test_a_service_is_listed_in_the_mall_under_one_catalogue_contract_at_a_time(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    ledger.list_service_in_mall(operator, registered, "카탈로그-2026-0001", date(2026, 3, 2))

    with refused(ledger, rules.SERVICE_ALREADY_MALL_LISTED, service_id=registered) as excinfo:
        ledger.list_service_in_mall(operator, registered, "카탈로그-2026-0002", date(2026, 3, 3))
    assert excinfo.value.params["contract_number"] == "카탈로그-2026-0001"


@pytest.mark.parametrize("delisted_before", [False, True], ids=["never-listed", "delisted"])
def test_only_a_service_listed_in_the_mall_can_be_delisted(
        ledger: Ledger, operator: CommandContext, registered: UUID,
        delisted_before: bool) -> None:
    if delisted_before:
        ledger.list_service_in_mall(operator, registered, "카탈로그-2026-0001", date(2026, 3, 2))
        ledger.delist_service_from_mall(operator, registered, "계약 해지")

    with refused(ledger, rules.SERVICE_NOT_MALL_LISTED, service_id=registered):
        ledger.delist_service_from_mall(operator, registered, "계약 해지")


def test_a_mall_delisting_states_its_reason(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    ledger.list_service_in_mall(operator, registered, "카탈로그-2026-0001", date(2026, 3, 2))

    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="reason", service_id=registered):
        ledger.delist_service_from_mall(operator, registered, " ")


# --- innovation products ----------------------------------------------------------------------


def test_an_innovation_product_designation_names_its_number(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="designation_number",
                 service_id=registered):
        ledger.designate_innovation_product(operator, registered, designation(" "))


@pytest.mark.parametrize(("valid_from", "valid_until"), [
    (date(2026, 1, 1), date(2026, 1, 1)),
    (date(2026, 1, 1), date(2025, 12, 31)),
    (date(2025, 1, 1), date(2026, 3, 1)),
], ids=["ends-when-it-starts", "ends-before-it-starts", "already-over"])
def test_an_innovation_product_designation_must_end_after_it_starts_and_not_be_over(
        ledger: Ledger, operator: CommandContext, registered: UUID, valid_from: date,
        valid_until: date) -> None:
    with refused(ledger, rules.SERVICE_DESIGNATION_VALIDITY, field="valid_until",
                 service_id=registered):
        ledger.designate_innovation_product(
            operator, registered, designation(valid_from=valid_from, valid_until=valid_until))


def test_an_innovation_product_designation_ending_today_is_still_accepted(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    today = designation(valid_from=date(2025, 1, 1), valid_until=operator.today)

    ledger.designate_innovation_product(operator, registered, today)

    assert ledger.load(DigitalService, registered).innovation == today


# --- certifications (고시 제8조) ------------------------------------------------------------------


def test_a_certification_names_its_number(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="number", service_id=registered):
        ledger.add_certification(operator, registered, csap(" "))


@pytest.mark.parametrize(("valid_from", "valid_until"), [
    (date(2026, 1, 1), date(2026, 1, 1)),
    (date(2026, 1, 1), date(2025, 6, 30)),
    (date(2024, 3, 2), date(2026, 3, 1)),
], ids=["ends-when-it-starts", "ends-before-it-starts", "over-yesterday"])
def test_a_certification_must_end_after_it_starts_and_not_be_over_today(
        ledger: Ledger, operator: CommandContext, registered: UUID, valid_from: date,
        valid_until: date) -> None:
    certification = csap(valid_from=valid_from, valid_until=valid_until)

    with refused(ledger, rules.CERTIFICATION_VALIDITY, field="valid_until",
                 service_id=registered) as excinfo:
        ledger.add_certification(operator, registered, certification)
    assert excinfo.value.params["today"] == "2026-03-02"


@pytest.mark.parametrize("number", ["CSAP-2026-0042", " CSAP-2026-0042 "])
def test_a_valid_certification_is_recorded_once(
        ledger: Ledger, operator: CommandContext, registered: UUID, number: str) -> None:
    ledger.add_certification(operator, registered, csap("CSAP-2026-0042"))

    with refused(ledger, rules.CERTIFICATION_DUPLICATE, field="number", service_id=registered):
        ledger.add_certification(operator, registered, csap(number))


def test_the_same_number_under_another_certification_kind_is_another_certification(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    ledger.add_certification(operator, registered, csap("2026-0042"))
    gs = msgspec.structs.replace(csap("2026-0042"), kind=CertificationKind.GS)

    ledger.add_certification(operator, registered, gs)

    assert len(ledger.load(DigitalService, registered).certifications) == 2


def _expire(ledger: Ledger, ctx: CommandContext, sid: UUID) -> CommandResult:
    return ledger.expire_certification(ctx, sid, CertificationKind.CSAP, "CSAP-2026-0042")


def _revoke(ledger: Ledger, ctx: CommandContext, sid: UUID) -> CommandResult:
    return ledger.revoke_certification(ctx, sid, CertificationKind.CSAP, "CSAP-2026-0042",
                                       "인증 취소 통보")


@pytest.mark.parametrize("history", ["never-added", "expired", "revoked", "other-kind"])
@pytest.mark.parametrize("command", [_expire, _revoke], ids=["expire", "revoke"])
def test_only_a_certification_the_service_holds_can_expire_or_be_revoked(
        ledger: Ledger, context_factory: ContextFactory, clock: Clock, registered: UUID,
        history: str, command: Command) -> None:
    if history == "other-kind":
        ledger.add_certification(context_factory(), registered, msgspec.structs.replace(
            csap(), kind=CertificationKind.CC))
    elif history != "never-added":
        ledger.add_certification(context_factory(), registered,
                                 csap(valid_until=date(2026, 12, 31)))
        clock.at = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
        (_expire if history == "expired" else _revoke)(ledger, context_factory(), registered)

    with refused(ledger, rules.CERTIFICATION_NOT_VALID, field="number",
                 service_id=registered) as excinfo:
        command(ledger, context_factory(), registered)
    assert excinfo.value.params == {"kind": "CSAP", "number": "CSAP-2026-0042"}


@pytest.mark.parametrize("at", [
    datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 1, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 14, 59, tzinfo=UTC),  # 23:59 on its last day in Korea
], ids=["long-before", "last-day", "last-minute-in-korea"])
def test_a_certification_expires_only_after_its_last_valid_day(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID, at: datetime) -> None:
    ledger.add_certification(context_factory(), registered, csap(valid_until=date(2026, 12, 31)))

    with refused(ledger, rules.CERTIFICATION_NOT_YET_EXPIRED, service_id=registered):
        _expire(ledger, context_factory(at=at), registered)


def test_a_certification_revocation_states_its_reason(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    ledger.add_certification(operator, registered, csap())

    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="reason", service_id=registered):
        ledger.revoke_certification(operator, registered, CertificationKind.CSAP,
                                    "CSAP-2026-0042", "")


# --- suspension and reinstatement (고시 제8조) ---------------------------------------------------


def test_only_a_registered_service_can_be_suspended(
        ledger: Ledger, operator: CommandContext, selected: UUID) -> None:
    with refused(ledger, rules.SERVICE_NOT_REGISTERED, service_id=selected) as excinfo:
        ledger.suspend_service(operator, selected, "점검 결과")
    assert excinfo.value.params["action"] == "suspended"


def test_a_suspended_service_is_not_suspended_again(
        ledger: Ledger, operator: CommandContext, service_in: ServiceIn) -> None:
    service_id = service_in(ServiceStatus.SUSPENDED)

    with refused(ledger, rules.SERVICE_ALREADY_SUSPENDED, service_id=service_id):
        ledger.suspend_service(operator, service_id, "또 다른 결함")


@pytest.mark.parametrize("reason", ["", " \t"])
def test_a_suspension_states_its_reason(
        ledger: Ledger, operator: CommandContext, registered: UUID, reason: str) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="reason", service_id=registered):
        ledger.suspend_service(operator, registered, reason)


@pytest.mark.parametrize("status", [ServiceStatus.SELECTED, ServiceStatus.REGISTERED])
def test_only_a_suspended_service_can_be_reinstated(
        ledger: Ledger, operator: CommandContext, service_in: ServiceIn,
        status: ServiceStatus) -> None:
    service_id = service_in(status)

    with refused(ledger, rules.SERVICE_NOT_SUSPENDED, service_id=service_id):
        ledger.reinstate_service(operator, service_id, "시정 완료")


def test_a_reinstatement_states_its_reason(
        ledger: Ledger, operator: CommandContext, service_in: ServiceIn) -> None:
    service_id = service_in(ServiceStatus.SUSPENDED)

    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="reason", service_id=service_id):
        ledger.reinstate_service(operator, service_id, "\u3000")


# --- cancellation and expiry of the selection (고시 제7조) ---------------------------------------


def test_a_selection_cancellation_states_its_reason(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    with refused(ledger, rules.SERVICE_TEXT_REQUIRED, field="reason", service_id=registered):
        ledger.cancel_service_selection(operator, registered, "")


@pytest.mark.parametrize("at", [
    datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    datetime(2028, 2, 19, 0, 0, tzinfo=UTC),
    EXPIRY_MOMENT - timedelta(seconds=1),  # 23:59:59 on its last day in Korea
], ids=["long-before", "last-day", "last-second-in-korea"])
def test_a_selection_expires_only_after_its_last_valid_day_in_korea(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID, at: datetime) -> None:
    with refused(ledger, rules.SERVICE_VALIDITY_NOT_REACHED, service_id=registered) as excinfo:
        ledger.expire_service_validity(context_factory(at=at), registered)
    assert excinfo.value.params["valid_until"] == VALID_UNTIL.isoformat()


def test_a_selection_expires_from_midnight_in_korea_after_its_last_valid_day(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    ledger.expire_service_validity(context_factory(at=EXPIRY_MOMENT), registered)

    assert ledger.load(DigitalService, registered).status is ServiceStatus.EXPIRED


# --- optimistic concurrency (dsledger API conventions) -----------------------------------------

STALE_WRITES: dict[str, Command] = {
    "change-info": lambda ledger, ctx, sid: ledger.change_service_info(
        ctx, sid, valid_profile(description="새 설명"), expected_version=1),
    "list-in-mall": lambda ledger, ctx, sid: ledger.list_service_in_mall(
        ctx, sid, "카탈로그-2026-0001", date(2026, 3, 2), expected_version=1),
    "suspend": lambda ledger, ctx, sid: ledger.suspend_service(
        ctx, sid, "점검 결과", expected_version=1),
    "cancel": lambda ledger, ctx, sid: ledger.cancel_service_selection(
        ctx, sid, "거짓 서류", expected_version=1),
}


@pytest.mark.parametrize("command", STALE_WRITES.values(), ids=STALE_WRITES.keys())
def test_a_command_made_against_an_older_version_is_refused(
        ledger: Ledger, operator: CommandContext, registered: UUID, command: Command) -> None:
    with refused(ledger, rules.COMMAND_VERSION_CONFLICT, service_id=registered) as excinfo:
        command(ledger, operator, registered)
    assert excinfo.value.params["expected"] == 1
    assert excinfo.value.params["actual"] == 2


def test_a_command_made_against_the_current_version_is_recorded(
        ledger: Ledger, operator: CommandContext, registered: UUID) -> None:
    result = ledger.change_service_info(operator, registered, valid_profile(description="새 설명"),
                                        expected_version=2)

    assert result.version == 3
    assert result.position == 3


def test_a_change_that_loses_a_race_is_refused_as_a_version_conflict(
        ledger: Ledger, operator: CommandContext, registered: UUID,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests read version 2 from the log; the second to save must not overwrite the first.
    (This ledger keeps no cache, so the command reads the log once, before the other saved.)"""
    assert ledger.repository.cache is None
    stale = ledger.load(DigitalService, registered)
    ledger.change_service_info(operator, registered, valid_profile(description="먼저 저장됨"))
    read_before_the_other_saved = [stale]

    def reconstruct(self: CopyingRepository, *args: Any) -> Any:
        return read_before_the_other_saved.pop()

    monkeypatch.setattr(CopyingRepository, "_reconstruct_aggregate", reconstruct)

    with refused(ledger, rules.COMMAND_VERSION_CONFLICT) as excinfo:
        ledger.list_service_in_mall(operator, registered, "카탈로그-2026-0001", date(2026, 3, 2))
    assert isinstance(excinfo.value.__context__, IntegrityError)
    assert not read_before_the_other_saved
    assert recorded_events(ledger) == 3
    assert excinfo.value.params == {"kind": "DigitalService", "expected": 2, "actual": 3}


def test_a_service_id_that_is_not_a_uuid_is_not_found(ledger: Ledger) -> None:
    with refused(ledger, rules.SERVICE_NOT_FOUND, field="service_id"):
        ledger.live_service("선정-2026-001")


def test_a_profile_change_keeps_its_service_on_the_same_id(
        ledger: Ledger, operator: CommandContext) -> None:
    service_id = select_and_register(ledger, operator, notice_number="선정-2026-009")
    ledger.change_service_info(operator, service_id, valid_profile(name="새 이름"))

    assert service_id == service_id_for("선정-2026-009")
    assert ledger.load(DigitalService, service_id).profile.name == "새 이름"
