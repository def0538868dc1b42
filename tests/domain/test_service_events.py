"""What each DigitalService event records: the state change the aggregate makes, the same state
after a replay from the store, and the actor, correlation id and time of the command that
recorded it. Also the status a service is in, and how event attributes are stored."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
import pytest
from eventsourcing.domain import DomainEventProtocol

from domain.actor import (
    Actor,
    CommandContext,
    NoActingContextError,
    Role,
    acting,
    current_context,
)
from domain.ledger import STORED_ENUMS, Ledger
from domain.search import SearchConditions, SearchPage
from domain.service import DigitalService, FieldChange, InnovationDesignation, service_status
from domain.values import (
    Certification,
    CertificationKind,
    DocumentKind,
    PricePlan,
    PricingModel,
    ProviderType,
    ServiceProfile,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)
from tests.domain.conftest import (
    EXPIRY_MOMENT,
    SELECTION_DATE,
    VALID_UNTIL,
    Clock,
    ContextFactory,
    ServiceIn,
    recorded_events,
    reseller_partnership,
    select,
    valid_profile,
)

SEOUL = ZoneInfo("Asia/Seoul")
CSAP = Certification(kind=CertificationKind.CSAP, number="CSAP-2026-0042",
                     issuer="한국인터넷진흥원", valid_from=date(2025, 6, 1),
                     valid_until=date(2026, 12, 31))
DESIGNATION = InnovationDesignation(designation_number="혁신-2026-007",
                                    valid_from=date(2026, 1, 1), valid_until=date(2028, 12, 31))


def stored_events(ledger: Ledger, service_id: UUID) -> list[DomainEventProtocol[UUID]]:
    """The service's events as decoded from the store."""
    return list(ledger.repository.event_store.get(service_id))


def last_event(ledger: Ledger, service_id: UUID) -> Any:
    return stored_events(ledger, service_id)[-1]


def assert_stamped(event: Any, context: CommandContext) -> None:
    assert event.actor == context.actor
    assert event.actor.principal_id == context.actor.principal_id
    assert event.actor.role is context.actor.role
    assert event.correlation_id == context.correlation_id
    assert event.timestamp == context.at


def assert_replays(ledger: Ledger, service: DigitalService) -> None:
    """The aggregate as the command left it equals the one replayed from the store."""
    replayed = ledger.load(DigitalService, service.id)
    assert replayed.version == service.version
    assert {k: v for k, v in vars(replayed).items() if not k.startswith("_")} == {
        k: v for k, v in vars(service).items() if not k.startswith("_")}


def test_a_selection_records_the_notice_its_validity_and_the_catalogue_entry(
        ledger: Ledger, context_factory: ContextFactory) -> None:
    context = context_factory(at=datetime(2026, 2, 20, 9, 30, tzinfo=SEOUL))
    profile = valid_profile(ServiceType.SUPPORT)

    result = ledger.select_service(context, notice_number=" 선정-2026-001 ",
                                   selection_date=SELECTION_DATE, valid_until=VALID_UNTIL,
                                   profile=profile)

    service = ledger.load(DigitalService, result.aggregate_id)
    assert (result.version, result.position) == (1, 1)
    assert service.version == 1
    assert service.notice_number == "선정-2026-001"
    assert service.selection_date == SELECTION_DATE
    assert service.valid_until == VALID_UNTIL
    assert service.profile == profile
    assert service.profile.support_kinds == frozenset({SupportKind.MIGRATION,
                                                       SupportKind.CONSULTING})
    assert service.status is ServiceStatus.SELECTED
    assert service.mall_contract_number is None
    assert service.innovation is None
    assert service.certifications == {}
    event = last_event(ledger, service.id)
    assert type(event).__name__ == "Selected"
    assert event.profile == profile
    assert_stamped(event, context)


def test_a_registration_makes_the_service_searchable(
        ledger: Ledger, context_factory: ContextFactory, selected: UUID) -> None:
    context = context_factory()

    result = ledger.register_service(context, selected)

    service = ledger.load(DigitalService, selected)
    assert result.version == service.version == 2
    assert service.registered
    assert service.status is ServiceStatus.REGISTERED
    assert service.is_searchable
    event = last_event(ledger, selected)
    assert type(event).__name__ == "Registered"
    assert_stamped(event, context)


def test_an_information_change_records_each_changed_field_before_and_after(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    before = valid_profile()
    after = msgspec.structs.replace(
        before,
        description="GPU 서버를 포함한 공공기관용 IaaS",
        support_channels=frozenset({SupportChannel.WEB_CHAT, SupportChannel.PHONE}),
        price_plans=(PricePlan(name="예치금", model=PricingModel.PREPAID,
                               unit_price_krw=Decimal("0.50"), unit="크레딧"),),
        spec={**before.spec, "gpu": "A100"},
    )
    context = context_factory()

    ledger.change_service_info(context, registered, after)

    service = ledger.load(DigitalService, registered)
    assert service.profile == after
    assert service.profile.price_plans[0].unit_price_krw == Decimal("0.50")
    assert service.profile.support_channels == frozenset({SupportChannel.WEB_CHAT,
                                                          SupportChannel.PHONE})
    event = last_event(ledger, registered)
    assert type(event).__name__ == "InfoChanged"
    assert event.changes == [
        FieldChange(field="description", before=before.description, after=after.description),
        FieldChange(field="support_channels", before=["call_center", "onsite"],
                    after=["phone", "web_chat"]),
        FieldChange(field="price_plans",
                    before=[{"name": "기본 월정액", "model": "flat", "unit_price_krw": "1200000",
                             "unit": "월"},
                            {"name": "사용량 과금", "model": "metered", "unit_price_krw": "55.50",
                             "unit": "vCPU-시간"}],
                    after=[{"name": "예치금", "model": "prepaid", "unit_price_krw": "0.50",
                            "unit": "크레딧"}]),
        FieldChange(field="spec", before={"storage": "10TB", "vcpu": "64"},
                    after={"gpu": "A100", "storage": "10TB", "vcpu": "64"}),
    ]
    assert_stamped(event, context)


def test_an_information_change_can_make_an_original_provider_a_reseller(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    after = valid_profile(provider_type=ProviderType.RESELLER,
                          partnership=reseller_partnership())

    ledger.change_service_info(context_factory(), registered, after)

    service = ledger.load(DigitalService, registered)
    assert service.profile == after
    assert service.profile.provider_type is ProviderType.RESELLER
    assert service.profile.partnership is not None
    assert service.profile.partnership.valid_until == date(2027, 12, 31)
    assert [change.field for change in last_event(ledger, registered).changes] == [
        "provider_type", "partnership"]


def test_a_mall_listing_records_the_catalogue_contract(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    context = context_factory()

    ledger.list_service_in_mall(context, registered, " 카탈로그-2026-0001 ", date(2026, 3, 2))

    service = ledger.load(DigitalService, registered)
    assert service.mall_contract_number == "카탈로그-2026-0001"
    event = last_event(ledger, registered)
    assert type(event).__name__ == "MallListed"
    assert event.contract_number == "카탈로그-2026-0001"
    assert event.listed_on == date(2026, 3, 2)
    assert_stamped(event, context)


def test_a_mall_delisting_removes_the_catalogue_contract(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    ledger.list_service_in_mall(context_factory(), registered, "카탈로그-2026-0001",
                                date(2026, 3, 2))
    context = context_factory()

    ledger.delist_service_from_mall(context, registered, " 카탈로그 계약 해지 ")

    service = ledger.load(DigitalService, registered)
    assert service.mall_contract_number is None
    event = last_event(ledger, registered)
    assert type(event).__name__ == "MallDelisted"
    assert event.reason == "카탈로그 계약 해지"
    assert_stamped(event, context)


def test_an_innovation_product_designation_is_recorded_on_the_service(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    context = context_factory()

    ledger.designate_innovation_product(context, registered, DESIGNATION)

    service = ledger.load(DigitalService, registered)
    assert service.innovation == DESIGNATION
    event = last_event(ledger, registered)
    assert type(event).__name__ == "InnovationProductDesignated"
    assert event.designation == DESIGNATION
    assert_stamped(event, context)


def test_a_certification_is_held_once_added(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    context = context_factory()

    ledger.add_certification(context, registered, CSAP)

    service = ledger.load(DigitalService, registered)
    assert list(service.certifications.values()) == [CSAP]
    event = last_event(ledger, registered)
    assert type(event).__name__ == "CertificationAdded"
    assert event.certification == CSAP
    assert event.certification.kind is CertificationKind.CSAP
    assert_stamped(event, context)


def test_a_certification_expires_the_day_after_its_last_valid_day(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    ledger.add_certification(context_factory(), registered, CSAP)
    # 00:00 on 1 January 2027 in Korea, still 31 December in UTC.
    context = context_factory(at=datetime(2026, 12, 31, 15, 0, tzinfo=UTC))

    ledger.expire_certification(context, registered, CertificationKind.CSAP, "CSAP-2026-0042")

    service = ledger.load(DigitalService, registered)
    assert service.certifications == {}
    event = last_event(ledger, registered)
    assert type(event).__name__ == "CertificationExpired"
    assert event.kind is CertificationKind.CSAP
    assert event.number == "CSAP-2026-0042"
    assert_stamped(event, context)


def test_a_certification_can_be_revoked_before_it_expires(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    ledger.add_certification(context_factory(), registered, CSAP)
    context = context_factory()

    ledger.revoke_certification(context, registered, CertificationKind.CSAP, "CSAP-2026-0042",
                                " 인증기관의 취소 통보 ")

    service = ledger.load(DigitalService, registered)
    assert service.certifications == {}
    event = last_event(ledger, registered)
    assert type(event).__name__ == "CertificationRevoked"
    assert event.kind is CertificationKind.CSAP
    assert event.reason == "인증기관의 취소 통보"
    assert_stamped(event, context)


def test_a_suspension_takes_the_service_out_of_search(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    context = context_factory()

    ledger.suspend_service(context, registered, "품질관리 점검 결과 중대한 결함")

    service = ledger.load(DigitalService, registered)
    assert service.suspended
    assert service.status is ServiceStatus.SUSPENDED
    assert not service.is_searchable
    event = last_event(ledger, registered)
    assert type(event).__name__ == "Suspended"
    assert event.reason == "품질관리 점검 결과 중대한 결함"
    assert_stamped(event, context)


def test_a_reinstatement_returns_the_service_to_search(
        ledger: Ledger, context_factory: ContextFactory, service_in: ServiceIn) -> None:
    service_id = service_in(ServiceStatus.SUSPENDED)
    context = context_factory()

    ledger.reinstate_service(context, service_id, "시정조치 완료 확인")

    service = ledger.load(DigitalService, service_id)
    assert not service.suspended
    assert service.status is ServiceStatus.REGISTERED
    assert service.is_searchable
    event = last_event(ledger, service_id)
    assert type(event).__name__ == "Reinstated"
    assert event.reason == "시정조치 완료 확인"
    assert_stamped(event, context)


@pytest.mark.parametrize("status", [ServiceStatus.SELECTED, ServiceStatus.REGISTERED,
                                    ServiceStatus.SUSPENDED])
def test_a_selection_can_be_cancelled_whether_or_not_it_was_registered_or_suspended(
        ledger: Ledger, context_factory: ContextFactory, service_in: ServiceIn,
        status: ServiceStatus) -> None:
    service_id = service_in(status)
    context = context_factory()

    ledger.cancel_service_selection(context, service_id, "거짓 서류로 선정")

    service = ledger.load(DigitalService, service_id)
    assert service.cancelled
    assert service.status is ServiceStatus.CANCELLED
    event = last_event(ledger, service_id)
    assert type(event).__name__ == "SelectionCancelled"
    assert event.reason == "거짓 서류로 선정"
    assert_stamped(event, context)


def test_a_selection_expires_when_its_validity_is_over(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    context = context_factory(at=EXPIRY_MOMENT)

    ledger.expire_service_validity(context, registered)

    service = ledger.load(DigitalService, registered)
    assert service.expired
    assert service.status is ServiceStatus.EXPIRED
    event = last_event(ledger, registered)
    assert type(event).__name__ == "ValidityExpired"
    assert_stamped(event, context)


# --- every event of a whole life carries its own command's context -----------------------------

EVERY_EVENT = {
    "Selected", "Registered", "InfoChanged", "MallListed", "MallDelisted",
    "InnovationProductDesignated", "CertificationAdded", "CertificationExpired",
    "CertificationRevoked", "Suspended", "Reinstated", "SelectionCancelled", "ValidityExpired",
}


def test_every_event_records_the_actor_correlation_and_time_of_its_command(
        ledger: Ledger, clock: Clock) -> None:
    contexts: list[CommandContext] = []

    def next_context(role: Role = Role.OPERATOR) -> CommandContext:
        clock.advance(timedelta(days=3, minutes=17))
        n = len(contexts) + 1
        context = CommandContext(actor=Actor(principal_id=f"principal-{n}", role=role),
                                 correlation_id=f"req-{n}", at=clock.at)
        contexts.append(context)
        return context

    first = ledger.select_service(next_context(), notice_number="선정-2026-001",
                                  selection_date=SELECTION_DATE, valid_until=VALID_UNTIL,
                                  profile=valid_profile()).aggregate_id
    ledger.register_service(next_context(), first)
    ledger.change_service_info(next_context(), first, valid_profile(description="새 설명"))
    ledger.list_service_in_mall(next_context(), first, "카탈로그-2026-0001", date(2026, 3, 9))
    ledger.delist_service_from_mall(next_context(), first, "계약 해지")
    ledger.designate_innovation_product(next_context(), first, DESIGNATION)
    ledger.add_certification(next_context(), first, msgspec.structs.replace(
        CSAP, valid_until=date(2026, 4, 1)))
    ledger.add_certification(next_context(), first, msgspec.structs.replace(
        CSAP, kind=CertificationKind.GS, number="GS-26-1"))
    clock.at = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)
    ledger.expire_certification(next_context(Role.SYSTEM), first, CertificationKind.CSAP,
                                "CSAP-2026-0042")
    ledger.revoke_certification(next_context(), first, CertificationKind.GS, "GS-26-1", "취소")
    ledger.suspend_service(next_context(), first, "점검 결과")
    ledger.reinstate_service(next_context(), first, "시정 완료")
    ledger.cancel_service_selection(next_context(), first, "거짓 서류")
    second = select(ledger, next_context(), notice_number="선정-2026-002")
    clock.at = EXPIRY_MOMENT
    ledger.expire_service_validity(next_context(Role.SYSTEM), second)

    events = stored_events(ledger, first) + stored_events(ledger, second)
    assert {type(event).__name__ for event in events} == EVERY_EVENT
    assert len(events) == len(contexts) == recorded_events(ledger)
    for event, context in zip(events, contexts, strict=True):
        assert_stamped(event, context)
    notifications = ledger.recorder.select_notifications(1, 100)
    assert [n.id for n in notifications] == list(range(1, len(contexts) + 1))


def test_a_replayed_service_equals_the_one_its_commands_built(
        ledger: Ledger, context_factory: ContextFactory, registered: UUID) -> None:
    service = ledger.load(DigitalService, registered)
    with acting(context_factory()):
        service.change_info(valid_profile(ServiceType.IAAS, name="새 이름"))
        service.list_in_mall("카탈로그-2026-0001", date(2026, 3, 2))
        service.designate_innovation_product(DESIGNATION)
        service.add_certification(CSAP)
        service.suspend("점검 결과")
    ledger.save(service)

    assert_replays(ledger, service)


# --- acting context ---------------------------------------------------------------------------


def test_no_event_is_recorded_without_knowing_who_caused_it(ledger: Ledger) -> None:
    with pytest.raises(NoActingContextError):
        DigitalService.select(notice_number="선정-2026-001", selection_date=SELECTION_DATE,
                              valid_until=VALID_UNTIL, profile=valid_profile())
    with pytest.raises(NoActingContextError):
        current_context()


def test_a_loaded_service_cannot_change_outside_an_acting_context(
        ledger: Ledger, registered: UUID) -> None:
    service = ledger.load(DigitalService, registered)

    with pytest.raises(NoActingContextError):
        service.suspend("점검 결과")

    assert service.pending_events == []
    assert not service.suspended
    assert ledger.load(DigitalService, registered).version == 2


def test_the_acting_context_ends_with_its_block(operator: CommandContext) -> None:
    with acting(operator) as current:
        assert current_context() is current is operator
    with pytest.raises(NoActingContextError):
        current_context()


# --- status and search visibility (SPEC §1) ---------------------------------------------------


@pytest.mark.parametrize(("status", "searchable"), [
    (ServiceStatus.SELECTED, False),
    (ServiceStatus.REGISTERED, True),
    (ServiceStatus.SUSPENDED, False),
    (ServiceStatus.CANCELLED, False),
    (ServiceStatus.EXPIRED, False),
])
def test_only_a_registered_service_that_is_not_suspended_cancelled_or_expired_is_searchable(
        ledger: Ledger, service_in: ServiceIn, status: ServiceStatus, searchable: bool) -> None:
    service = ledger.load(DigitalService, service_in(status))

    assert service.status is status
    assert service.is_searchable is searchable
    live = ledger.live_service(str(service.id))
    assert (live.status, live.active) == (status.value, searchable)


@pytest.mark.parametrize(("facts", "status"), [
    ({}, ServiceStatus.SELECTED),
    ({"registered": True}, ServiceStatus.REGISTERED),
    ({"registered": True, "suspended": True}, ServiceStatus.SUSPENDED),
    ({"registered": True, "suspended": True, "cancelled": True}, ServiceStatus.CANCELLED),
    ({"registered": True, "suspended": True, "expired": True}, ServiceStatus.EXPIRED),
    ({"cancelled": True}, ServiceStatus.CANCELLED),
    ({"expired": True}, ServiceStatus.EXPIRED),
    ({"cancelled": True, "expired": True}, ServiceStatus.CANCELLED),
])
def test_a_cancellation_or_expiry_outranks_a_suspension(
        facts: dict[str, bool], status: ServiceStatus) -> None:
    given = {"registered": False, "suspended": False, "cancelled": False, "expired": False,
             **facts}

    assert service_status(**given) is status


def test_an_expired_suspended_service_reads_as_expired(
        ledger: Ledger, context_factory: ContextFactory, service_in: ServiceIn) -> None:
    service_id = service_in(ServiceStatus.SUSPENDED)

    ledger.expire_service_validity(context_factory(at=EXPIRY_MOMENT), service_id)

    service = ledger.load(DigitalService, service_id)
    assert service.suspended
    assert service.status is ServiceStatus.EXPIRED
    assert not service.is_searchable


# --- transcoding ------------------------------------------------------------------------------


def _round_trip(ledger: Ledger, value: Any) -> Any:
    transcoder = ledger.mapper.transcoder
    return transcoder.decode(transcoder.encode({"value": value}))["value"]


def test_dates_and_datetimes_are_stored_as_themselves(ledger: Ledger) -> None:
    day = date(2028, 2, 29)
    moment = datetime(2026, 3, 2, 10, 0, tzinfo=SEOUL)

    assert type(_round_trip(ledger, day)) is date
    assert _round_trip(ledger, day) == day
    assert type(_round_trip(ledger, moment)) is datetime
    assert _round_trip(ledger, moment) == moment


@pytest.mark.parametrize("amount", [Decimal("55.50"), Decimal("0"), Decimal("240000000"),
                                    Decimal("-0.01")])
def test_decimals_are_stored_exactly(ledger: Ledger, amount: Decimal) -> None:
    stored = _round_trip(ledger, amount)

    assert type(stored) is Decimal
    assert str(stored) == str(amount)


@pytest.mark.parametrize("member", [member for kind in STORED_ENUMS for member in kind],
                         ids=lambda member: f"{type(member).__name__}.{member.name}")
def test_a_stored_enum_comes_back_as_the_enum_not_its_value(
        ledger: Ledger, member: enum.Enum) -> None:
    assert not isinstance(member, str)

    assert _round_trip(ledger, member) is member


def test_sets_of_enums_inside_structs_come_back_as_frozensets_of_the_enum(ledger: Ledger) -> None:
    profile = valid_profile(ServiceType.SUPPORT, provider_type=ProviderType.RESELLER,
                            partnership=reseller_partnership(),
                            support_kinds=frozenset(SupportKind),
                            documents=frozenset({DocumentKind.TERMS}),
                            support_channels=frozenset(SupportChannel))
    conditions = SearchConditions(page=SearchPage.SUPPORT, keywords="이전 지원",
                                  support_kind=frozenset({SupportKind.MIGRATION}),
                                  document=frozenset(DocumentKind), mall_listed=True)

    stored_profile: ServiceProfile = _round_trip(ledger, profile)
    stored_conditions: SearchConditions = _round_trip(ledger, conditions)

    assert stored_profile == profile
    assert type(stored_profile.support_kinds) is frozenset
    assert all(type(kind) is SupportKind for kind in stored_profile.support_kinds)
    assert all(type(ch) is SupportChannel for ch in stored_profile.support_channels)
    assert stored_profile.partnership is not None
    assert type(stored_profile.partnership.valid_from) is date
    assert type(stored_profile.price_plans[1].unit_price_krw) is Decimal
    assert stored_conditions == conditions
    assert stored_conditions.page is SearchPage.SUPPORT
    assert type(stored_conditions.document) is frozenset


def test_a_set_is_stored_in_one_order_whatever_order_it_was_built_in(ledger: Ledger) -> None:
    channels = list(SupportChannel)
    forwards = valid_profile(support_channels=frozenset(channels))
    backwards = valid_profile(support_channels=frozenset(reversed(channels)))

    transcoder = ledger.mapper.transcoder
    assert transcoder.encode(forwards) == transcoder.encode(backwards)


def test_an_actor_is_stored_with_its_role_as_the_enum(ledger: Ledger) -> None:
    actor = Actor(principal_id="officer@seoul", role=Role.AGENCY, agency_id="AG-SEOUL")

    stored = _round_trip(ledger, actor)

    assert stored == actor
    assert stored.role is Role.AGENCY
