"""Public disclosures and statistics: a contract is public from its registration, its amendments
show once registered, and nothing non-public leaks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import TestClient

from domain.contract import Amendment, Contract, Settlement
from domain.contract_terms import TerminationGround
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, awarded, terms
from tests.procurement.conftest import provider_context

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
    ledger.amend_contract(AGENCY, contract, Amendment(
        reason="사용량 증가", new_total_amount_krw=Decimal(300_000_000)))
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


def test_a_rescinded_contract_counts_as_never_made_in_the_statistics_and_is_cancelled_in_ocds(
    client: TestClient[Any], runtime: Runtime, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    """해제: 계약 자체가 없었던 것으로 하는 행위. The register still shows it, as rescinded; no count
    or amount includes it, even once it is closed; OCDS gives its contract the status cancelled."""
    ledger = runtime.ledger
    kept = ledger.conclude_contract(AGENCY, awarded(runtime, reader, catalogue), terms())
    rescinded = ledger.conclude_contract(AGENCY, awarded(
        runtime, reader, catalogue, reference="결재-2026-002"), terms(
            total_amount_krw=Decimal(100_000_000))).aggregate_id
    for contract in (kept.aggregate_id, rescinded):
        ledger.contract_command(AGENCY, contract, lambda c: c.register_disclosure())
    ledger.contract_command(AGENCY, rescinded, lambda c: c.rescind(
        TerminationGround.BREACH_OF_OBLIGATION, "보안 의무 위반",
        Settlement(costs_krw=Decimal(0), interest_krw=Decimal(0), value_change_krw=Decimal(0))))
    for provider_id in ("PRV-HANEUL", "PRV-IEUM"):
        ledger.contract_command(provider_context(provider_id), rescinded,
                                lambda c: c.confirm_data_destroyed("덮어쓰기", "파기확인서-1"))
    ledger.contract_command(AGENCY, rescinded, lambda c: c.verify_obligations("확인"))
    ledger.contract_command(AGENCY, rescinded, lambda c: c.close())
    headers = {"X-Min-Position": str(runtime.projector.head())}
    register = client.get("/disclosures", headers=headers).json()
    assert {item["contract_id"]: item["status"] for item in register["items"]} == {
        str(kept.aggregate_id): "active", str(rescinded): "rescinded"}
    stats = client.get("/disclosures/statistics", headers=headers).json()
    assert stats["contracts"] == 1
    assert stats["amount_krw"] == "240000000"
    assert [(b["key"], b["contracts"]) for b in stats["by_agency"]] == [("AG-SEOUL", 1)]
    page = client.get("/web/disclosures", headers=headers).text
    assert "해제됨" in page or "rescinded: counts as never made" in page
    procurement_id = ledger.load(Contract, rescinded).procurement_id
    record = client.get(f"/ocds/records/{runtime.settings.ocds_prefix}-{procurement_id}",
                        headers=headers).json()["records"][0]
    assert [c["status"] for c in record["compiledRelease"]["contracts"]] == ["cancelled"]
