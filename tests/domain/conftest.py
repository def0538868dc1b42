"""Fixtures for the domain tests: a fresh in-memory ledger per test, a controllable clock and the
command contexts it stamps, valid catalogue profiles for every service type, and the one check
every refusal test makes: the right rule refused it and nothing was recorded."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

import msgspec
import pytest

from domain.actor import Actor, CommandContext, Role
from domain.ledger import Ledger
from domain.rules import Rule, RuleViolation
from domain.service import DigitalService
from domain.values import (
    CompanySize,
    DocumentKind,
    PricePlan,
    PricingModel,
    ProviderType,
    ResellerPartnership,
    ServiceProfile,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)

# 10:00 in Korea on Monday 2 March 2026.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SELECTION_DATE = date(2026, 2, 20)
VALID_UNTIL = date(2028, 2, 19)
OPERATOR = Actor(principal_id="nia-operator-1", role=Role.OPERATOR)


@dataclass
class Clock:
    """The time the ledger believes it is; tests move it explicitly."""

    at: datetime = START

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


class ContextFactory(Protocol):
    def __call__(self, *, actor: Actor = ..., correlation_id: str | None = ...,
                 at: datetime | None = ...) -> CommandContext: ...


class ProfileFactory(Protocol):
    def __call__(self, service_type: ServiceType = ..., **changes: Any) -> ServiceProfile: ...


class ServiceIn(Protocol):
    def __call__(self, status: ServiceStatus) -> UUID: ...


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    app = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"})
    yield app
    app.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def context_factory(clock: Clock) -> ContextFactory:
    """A command context at the clock's time (or `at`), each with a fresh correlation id."""
    issued = itertools.count(1)

    def make(*, actor: Actor = OPERATOR, correlation_id: str | None = None,
             at: datetime | None = None) -> CommandContext:
        return CommandContext(actor=actor,
                              correlation_id=correlation_id or f"corr-{next(issued):04d}",
                              at=clock.at if at is None else at)

    return make


@pytest.fixture
def operator(context_factory: ContextFactory) -> CommandContext:
    return context_factory()


def valid_profile(service_type: ServiceType = ServiceType.IAAS, **changes: Any) -> ServiceProfile:
    """A profile that satisfies every catalogue invariant for the service type; `changes` are
    applied on top (and may break them on purpose)."""
    support = service_type is ServiceType.SUPPORT
    profile = ServiceProfile(
        name=f"하늘 {service_type.ko} 서비스",
        provider_id="PRV-HANEUL",
        provider_name="하늘클라우드 주식회사",
        service_type=service_type,
        company_size=CompanySize.SME,
        provider_type=ProviderType.ORIGINAL,
        description="공공기관을 위한 클라우드 기반 디지털서비스",
        support_kinds=frozenset({SupportKind.MIGRATION, SupportKind.CONSULTING})
        if support else frozenset(),
        features=("자동 백업", "다중 가용영역"),
        keywords=("클라우드", "민원"),
        documents=frozenset({DocumentKind.SLA, DocumentKind.TERMS}),
        support_channels=frozenset({SupportChannel.CALL_CENTER, SupportChannel.ONSITE}),
        price_plans=(
            PricePlan(name="기본 월정액", model=PricingModel.FLAT,
                      unit_price_krw=Decimal("1200000"), unit="월"),
            PricePlan(name="사용량 과금", model=PricingModel.METERED,
                      unit_price_krw=Decimal("55.50"), unit="vCPU-시간"),
        ),
        spec={"vcpu": "64", "storage": "10TB"},
    )
    return msgspec.structs.replace(profile, **changes)


def reseller_partnership() -> ResellerPartnership:
    return ResellerPartnership(original_provider_name="원제공 주식회사",
                               valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31))


@pytest.fixture
def profile_factory() -> ProfileFactory:
    return valid_profile


def select(ledger: Ledger, context: CommandContext, *, notice_number: str = "선정-2026-001",
           profile: ServiceProfile | None = None) -> UUID:
    return ledger.select_service(context, notice_number=notice_number,
                                 selection_date=SELECTION_DATE, valid_until=VALID_UNTIL,
                                 profile=profile or valid_profile()).aggregate_id


def select_and_register(ledger: Ledger, context: CommandContext, *,
                        notice_number: str = "선정-2026-001",
                        profile: ServiceProfile | None = None) -> UUID:
    service_id = select(ledger, context, notice_number=notice_number, profile=profile)
    ledger.register_service(context, service_id)
    return service_id


@pytest.fixture
def selected(ledger: Ledger, operator: CommandContext) -> UUID:
    """A selected service not yet registered in the support system."""
    return select(ledger, operator)


@pytest.fixture
def registered(ledger: Ledger, operator: CommandContext) -> UUID:
    """A registered, active IaaS service."""
    return select_and_register(ledger, operator)


# Midnight in Korea after the selection's last valid day: the first moment it may expire.
EXPIRY_MOMENT = datetime(VALID_UNTIL.year, VALID_UNTIL.month, VALID_UNTIL.day, 15, 0, tzinfo=UTC)


@pytest.fixture
def service_in(ledger: Ledger, context_factory: ContextFactory, clock: Clock) -> ServiceIn:
    """A service brought to the given status through the ledger's own commands (an expiry moves
    the clock past the selection's validity)."""

    notices = itertools.count(101)

    def make(status: ServiceStatus) -> UUID:
        service_id = select(ledger, context_factory(), notice_number=f"선정-2026-{next(notices)}")
        if status is ServiceStatus.SELECTED:
            return service_id
        ledger.register_service(context_factory(), service_id)
        if status is ServiceStatus.SUSPENDED:
            ledger.suspend_service(context_factory(), service_id, "품질관리 점검 결과 중대한 결함")
        elif status is ServiceStatus.CANCELLED:
            ledger.cancel_service_selection(context_factory(), service_id, "거짓 서류로 선정")
        elif status is ServiceStatus.EXPIRED:
            clock.at = EXPIRY_MOMENT
            ledger.expire_service_validity(context_factory(), service_id)
        assert ledger.load(DigitalService, service_id).status is status
        return service_id

    return make


def recorded_events(ledger: Ledger) -> int:
    return len(ledger.recorder.select_notifications(1, 10_000))


@contextmanager
def refused(ledger: Ledger, rule: Rule, *, field: str | None = None,
            service_id: UUID | None = None) -> Iterator[pytest.ExceptionInfo[RuleViolation]]:
    """Expect the block to be refused by exactly `rule` on `field`, and nothing to be recorded:
    the global sequence does not move and the service (if any) is still at its version."""
    position = ledger.recorder.max_notification_id()
    count = recorded_events(ledger)
    version = None if service_id is None else ledger.load(DigitalService, service_id).version
    with pytest.raises(RuleViolation) as excinfo:
        yield excinfo
    assert excinfo.value.rule is rule, excinfo.value
    assert excinfo.value.field == field
    assert ledger.recorder.max_notification_id() == position
    assert recorded_events(ledger) == count
    if service_id is not None:
        assert ledger.load(DigitalService, service_id).version == version
