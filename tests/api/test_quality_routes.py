"""Quality inspections and semiannual reports over HTTP: who may record them, and what follows."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.api.bodies import selection_body
from tests.principals import AGENCY, AUDITOR, OPERATOR, bearer, provider

OP = bearer(OPERATOR)


def test_an_inspection_closed_as_suspended_suspends_the_service_over_http(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = client.post("/services", json=selection_body(), headers=OP).json()["aggregate_id"]
    client.post(f"/services/{service_id}/registration", headers=OP)
    response = client.post("/inspections", headers=OP, json={
        "service_id": service_id, "kind": "ad_hoc", "due": "2026-12-01", "reason": "장애 신고"})
    assert response.status_code == 201, response.text
    iid = response.json()["aggregate_id"]
    finding = client.post(f"/inspections/{iid}/findings", headers=OP, json={
        "criterion": "incident_response", "finding": "장애 보고 지연"})
    assert finding.status_code == 200, finding.text
    closed = client.post(f"/inspections/{iid}/closure", headers=OP, json={
        "outcome": "suspended", "summary": "장애 대응 미흡"})
    assert closed.status_code == 200, closed.text
    assert client.get(f"/services/{service_id}", headers=OP).json()["status"] == "suspended"
    entry = client.get(f"/inspections/{iid}", headers=bearer(AUDITOR)).json()
    assert entry["outcome"] == "suspended"
    assert [e["event"] for e in entry["record"]["events"]] == ["Scheduled", "FindingRecorded",
                                                               "Closed"]


def test_only_the_operator_inspects_and_only_providers_report(
    client: TestClient[Any], runtime: Runtime
) -> None:
    before = runtime.projector.head()
    body = {"service_id": "00000000-0000-0000-0000-000000000000", "kind": "regular",
            "due": "2027-01-01"}
    for principal in (AGENCY, AUDITOR, provider("PRV-1")):
        response = client.post("/inspections", headers=bearer(principal), json=body)
        assert response.status_code == 403
        assert response.json()["rule"] == "auth.role-forbidden"
    report = {"year": 2025, "half": 2, "contracts": []}
    for principal in (AGENCY, AUDITOR, OPERATOR):
        assert client.post("/semiannual-reports", headers=bearer(principal),
                           json=report).status_code == 403
    assert client.post("/semiannual-reports", json=report).status_code == 401
    assert runtime.projector.head() == before
    response = client.post("/semiannual-reports", headers=bearer(provider("PRV-1")), json={
        "year": 2025, "half": 2, "contracts": [{
            "agency_name": "부산광역시", "service_id": "svc-1", "contract_reference": "2025-88",
            "start": "2025-07-01", "end": "2025-12-31", "amount_krw": "12000000",
            "via_mall": False}]})
    assert response.status_code == 201, response.text
    mine = client.get("/semiannual-reports", headers=bearer(provider("PRV-1"))).json()["items"]
    assert [(r["year"], r["half"], r["late"]) for r in mine] == [(2025, 2, True)]
    assert client.get("/semiannual-reports",
                      headers=bearer(provider("PRV-2"))).json()["items"] == []
    everyone = client.get("/semiannual-reports", headers=bearer(AUDITOR)).json()
    assert len(everyone["items"]) == everyone["total"] == 1 and everyone["next_after"] is None
