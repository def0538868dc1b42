"""Public disclosures and statistics: a contract is public from its registration, its amendments
show once registered, and nothing non-public leaks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import TestClient

from domain.contract import Amendment
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, awarded, terms

PUBLIC_FIELDS = {"contract_id", "agency_id", "services", "method", "kind", "start", "end",
                 "pricing_model", "amount_krw", "status", "registered_on", "amended_on",
                 "amendments"}


def test_a_contract_is_public_from_its_registration_and_amendments_from_theirs(
    client: TestClient[Any], runtime: Runtime, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    ledger = runtime.ledger
    pid = awarded(runtime, reader, catalogue)
    contract = ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    position = str(runtime.projector.head())
    assert client.get("/disclosures", headers={"X-Min-Position": position}).json()["total"] == 0
    ledger.contract_command(AGENCY, contract, lambda c: c.register_disclosure())
    ledger.contract_command(AGENCY, contract, lambda c: c.amend(Amendment(
        reason="사용량 증가", new_total_amount_krw=Decimal(300_000_000))))
    position = str(runtime.projector.head())
    body = client.get("/disclosures", headers={"X-Min-Position": position}).json()
    assert body["total"] == 1
    entry = body["items"][0]
    assert set(entry) == PUBLIC_FIELDS
    assert entry["amount_krw"] == "240000000"  # the amendment is not registered yet
    assert [s["name"] for s in entry["services"]] == ["하늘 GPU 서버", "이음 이전 지원"]
    ledger.contract_command(AGENCY, contract, lambda c: c.amend_disclosure())
    position = str(runtime.projector.head())
    entry = client.get("/disclosures", headers={"X-Min-Position": position}).json()["items"][0]
    assert entry["amount_krw"] == "300000000"
    assert entry["amendments"] == 1
    text = client.get("/disclosures").text
    for secret in ("evaluation", "quote", "inquir", "communication", "latest_terms"):
        assert secret not in text
    filtered = client.get("/disclosures", params={"service_type": "SaaS"}).json()
    assert filtered["total"] == 0
    assert client.get("/disclosures", params={"method": "self"}).json()["total"] == 1
    stats = client.get("/disclosures/statistics").json()
    assert stats["contracts"] == 1
    assert stats["amount_krw"] == "300000000"
    assert {b["key"] for b in stats["by_service_type"]} == {"IaaS", "support"}
    assert [b["key"] for b in stats["by_method"]] == ["self"]
    assert stats["by_company_size"] == [{"key": "sme", "contracts": 1,
                                         "amount_krw": "300000000"}]
    catalogue_stats = client.get("/catalogue/statistics").json()
    assert catalogue_stats["services"] == 5  # six listed, one suspended
    assert {c["key"]: c["services"] for c in catalogue_stats["by_certification"]}["CSAP"] == 3
