"""The demo catalogue: deterministic, realistic, covering every annex value, loaded through the
operator's commands and harmless to load twice."""

from __future__ import annotations

from domain.ledger import Ledger
from domain.service import DigitalService, service_id_for, validate_profile
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricingModel,
    ProviderType,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)
from dsledger.demo import demo_catalogue, load_demo


def test_the_demo_catalogue_is_deterministic_and_has_at_least_300_services() -> None:
    catalogue = demo_catalogue()
    assert catalogue == demo_catalogue()
    assert catalogue != demo_catalogue(seed=1)
    assert len(catalogue) >= 300
    assert len({s.notice_number for s in catalogue}) == len(catalogue)
    assert len({s.profile.name for s in catalogue}) == len(catalogue)


def test_the_demo_catalogue_covers_every_value_of_the_annex() -> None:
    catalogue = demo_catalogue()
    profiles = [s.profile for s in catalogue]
    assert {p.service_type for p in profiles} == set(ServiceType)
    assert {p.company_size for p in profiles} == set(CompanySize)
    assert {p.provider_type for p in profiles} == set(ProviderType)
    assert {k for p in profiles for k in p.support_kinds} == set(SupportKind)
    assert {d for p in profiles for d in p.documents} == set(DocumentKind)
    assert {c for p in profiles for c in p.support_channels} == set(SupportChannel)
    assert {pl.model for p in profiles for pl in p.price_plans} == set(PricingModel)
    assert {c.kind for s in catalogue for c in s.certifications} == set(CertificationKind)
    assert any(s.mall_contract_number for s in catalogue)
    assert any(s.innovation for s in catalogue)
    assert {s.fate for s in catalogue} == {"registered", "selected_only", "suspended", "cancelled"}
    for profile in profiles:
        validate_profile(profile)


def test_the_demo_loads_through_the_commands_and_a_second_load_records_nothing() -> None:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"})
    catalogue = demo_catalogue(count=60, seed=3)
    assert load_demo(ledger, services=catalogue) == 60
    head = ledger.recorder.max_notification_id()
    assert load_demo(ledger, services=catalogue) == 0
    assert ledger.recorder.max_notification_id() == head
    expected = {"registered": ServiceStatus.REGISTERED, "selected_only": ServiceStatus.SELECTED,
                "suspended": ServiceStatus.SUSPENDED, "cancelled": ServiceStatus.CANCELLED}
    for demo in catalogue:
        service = ledger.repository.get(service_id_for(demo.notice_number))
        assert isinstance(service, DigitalService)
        assert service.status is expected[demo.fate]
        if demo.fate != "selected_only":
            assert len(service.certifications) == len(demo.certifications)
            assert service.mall_contract_number == demo.mall_contract_number
