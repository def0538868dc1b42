"""The demo procurements and contracts: recorded through the ledger's commands on the full demo
catalogue, public where the law makes them public, valid OCDS, with obligations ahead of the demo
clock, and harmless to load twice — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from api.app import create_app
from domain.actor import KOREA
from domain.contract import Contract
from domain.contract_terms import ContractKind
from domain.procurement import Procurement, ProcurementMethod, ProcurementStatus
from domain.values import PricingModel
from dsledger.demo import load_demo
from dsledger.demo_contracts import AGENCY_NAMES, DemoContracts, load_demo_contracts
from dsledger.runtime import Runtime
from projections.tables import deadlines
from tests.api.test_disclosures import PUBLIC_FIELDS
from tests.api.test_ocds import assert_valid

DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=KOREA)


@pytest.fixture
def demo(runtime: Runtime) -> DemoContracts:
    load_demo(runtime.ledger, at=DEMO_START)
    runtime.projector.catch_up()
    loaded = load_demo_contracts(runtime, at=DEMO_START)
    runtime.projector.catch_up()
    return loaded


@pytest.fixture
def public(runtime: Runtime, demo: DemoContracts) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(runtime, run_projector=False)) as client:
        yield client


def test_the_demo_records_every_step_of_six_procurements(runtime: Runtime,
                                                          demo: DemoContracts) -> None:
    ledger = runtime.ledger
    assert demo.recorded == 6
    assert len(demo.contracts) == 5 and len(demo.open_procurements) == 1
    assert demo.featured in demo.contracts
    contracts = [ledger.load(Contract, contract_id) for contract_id in demo.contracts]
    assert {c.agency_id for c in contracts} == set(AGENCY_NAMES)
    assert {c.method for c in contracts} == set(ProcurementMethod)
    assert {c.terms.kind for c in contracts} == set(ContractKind)
    assert {c.terms.pricing_model for c in contracts} == set(PricingModel)
    assert len({c.terms.total_amount_krw for c in contracts}) == 5
    assert all(c.disclosure_registered for c in contracts)
    assert max(len(c.services) for c in contracts) == 2  # the joint award
    assert all(c.terms.start == date(2026, 4, 1) for c in contracts)
    procurements = [ledger.load(Procurement, UUID(c.procurement_id)) for c in contracts]
    for procurement in procurements:
        assert procurement.status is ProcurementStatus.AWARDED
        # Keyword- and filter-narrowed: an officer compares a handful of services, not hundreds.
        assert 1 < len(procurement.candidates()) <= 6
    assert any(p.exclusions for p in procurements)
    assert any(e.clause == "3-1" for p in procurements for e in p.exclusions.values())
    assert any(p.evaluation is not None and p.quotes for p in procurements)
    (open_id,) = demo.open_procurements
    still_open = ledger.load(Procurement, open_id)
    assert still_open.status is ProcurementStatus.OPEN
    assert still_open.quotes and set(still_open.quote_requests) - set(still_open.quotes)


def test_the_contracts_are_disclosed_publicly_and_published_as_valid_ocds(
    public: TestClient[Any], demo: DemoContracts
) -> None:
    body = public.get("/disclosures", params={"limit": 50}).json()
    assert body["total"] == 5
    assert {item["contract_id"] for item in body["items"]} == {str(c) for c in demo.contracts}
    for item in body["items"]:
        assert set(item) == PUBLIC_FIELDS
    text = public.get("/disclosures").text
    for secret in ("evaluation", "quote", "견적", "inquir", "communication", "latest_terms"):
        assert secret not in text
    page = public.get("/web/disclosures")
    assert page.status_code == 200
    assert "다온네트웍스" in page.text or "AG-SEOUL" in page.text
    package = public.get("/ocds/releases", params={"limit": 100}).json()
    assert len({release["ocid"] for release in package["releases"]}) == 5
    assert_valid(package, public)


def test_loading_twice_records_nothing_and_obligations_lie_ahead(runtime: Runtime,
                                                                 demo: DemoContracts) -> None:
    head = runtime.ledger.recorder.max_notification_id()
    assert load_demo(runtime.ledger, at=DEMO_START) == 0
    again = load_demo_contracts(runtime, at=datetime(2026, 3, 9, 9, 0, tzinfo=KOREA))
    assert again.recorded == 0
    assert again.contracts == demo.contracts
    assert runtime.ledger.recorder.max_notification_id() == head
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        pending = conn.execute(
            select(deadlines.c.kind, deadlines.c.aggregate_id, deadlines.c.fires_on)
            .where(deadlines.c.state == "pending",
                   deadlines.c.aggregate_type.in_(["procurement", "contract"]))).all()
    (open_id,) = demo.open_procurements
    lapses = [row for row in pending if row.aggregate_id == str(open_id)]
    assert lapses and {row.kind for row in lapses} == {"quote_lapsed"}
    assert {row.aggregate_id for row in pending if row.kind == "expiry"} == {
        str(c) for c in demo.contracts}
    assert all(row.fires_on > DEMO_START.date() for row in pending)


def test_a_provider_ends_one_business_while_its_contract_runs(runtime: Runtime,
                                                              demo: DemoContracts) -> None:
    """The demo's cessation story (Decree art. 19(2)): the NHIS GPU service's provider gives notice
    60 days ahead; the running contract is told, put at risk and owes the data back before then."""
    from domain.service import DigitalService
    from dsledger.demo_contracts import CEASING_REFERENCE

    assert demo.ceasing_service is not None
    service = runtime.ledger.load(DigitalService, demo.ceasing_service)
    assert service.cessation is not None and not service.ceased
    nhis = next(c for c in demo.contracts
                if runtime.ledger.load(Contract, c).services[0].service_id
                == str(demo.ceasing_service))
    contract = runtime.ledger.load(Contract, nhis)
    assert contract.business_end == service.cessation.end_date
    assert contract.risk_causes
    assert CEASING_REFERENCE.startswith("건보")
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        rows = {row.kind: row for row in conn.execute(select(deadlines).where(
            deadlines.c.state == "pending",
            deadlines.c.aggregate_id.in_([str(nhis), str(demo.ceasing_service)])))}
    # The demo contracts agree a return 30 days before the end (their data-exit clause).
    assert rows["data_return_overdue"].fires_on == date.fromordinal(
        service.cessation.end_date.toordinal() - 30)
    assert rows["business_end"].fires_on == service.cessation.end_date
