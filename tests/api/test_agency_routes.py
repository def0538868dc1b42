"""The agency directory over HTTP, and the agency's name where people read who bought: the
public list with its cursor, the operator's commands, the refusal of an unknown agency, the OCDS
buyer and the evidence PDF's cover."""

from __future__ import annotations

import io
from typing import Any

from litestar.testing import TestClient
from pypdf import PdfReader

from dsledger.evidence_pdf import FontMissing, korean_font
from dsledger.ocds import ADMINISTRATIVE_CODE_SCHEME
from tests.api.test_evidence_routes import awarded_procurement
from tests.api.test_lifecycle_scenarios import Clock, clock, http, ok
from tests.api.test_ocds import assert_valid
from tests.principals import AGENCY, AUDITOR, OPERATOR, UNREGISTERED_AGENCY, bearer
from tests.requirements import missing

__all__ = ["clock", "http"]
OP = bearer(OPERATOR)
AGENCIES = [
    {"agency_id": "AG-BUSAN", "code": "6260000", "name_ko": "부산광역시",
     "name_en": "Busan Metropolitan City", "kind": "local", "region": "busan"},
    {"agency_id": "AG-MOIS", "code": "1741000", "name_ko": "행정안전부",
     "name_en": "Ministry of the Interior and Safety", "kind": "central", "region": "sejong"},
    {"agency_id": "AG-NHIS", "code": "B550928", "name_ko": "국민건강보험공단",
     "name_en": "National Health Insurance Service", "kind": "public-institution",
     "region": "gangwon"},
    {"agency_id": "AG-SEOUL", "code": "6110000", "name_ko": "서울특별시",
     "name_en": "Seoul Metropolitan Government", "kind": "local", "region": "seoul"},
]


def test_the_operator_registers_and_anyone_reads_the_directory_page_by_page(
        http: TestClient[Any]) -> None:
    for body in AGENCIES:
        ok(http.post("/agencies", headers=OP, json=body), 201)
    first = ok(http.get("/agencies", params={"limit": 2}))
    assert [a["agency_id"] for a in first["items"]] == ["AG-BUSAN", "AG-MOIS"]
    assert first["items"][1]["kind_ko"] == "중앙행정기관"
    assert first["items"][1]["region_ko"] == "세종특별자치시"
    second = ok(http.get(first["next"]))
    assert [a["agency_id"] for a in second["items"]] == ["AG-NHIS", "AG-SEOUL"]
    assert second["next"] is None
    local = ok(http.get("/agencies", params={"kind": "local", "limit": 1}))
    assert [a["agency_id"] for a in local["items"]] == ["AG-BUSAN"]
    assert "kind=local" in local["next"]
    assert [a["agency_id"] for a in ok(http.get(local["next"]))["items"]] == ["AG-SEOUL"]
    assert [a["agency_id"] for a in ok(http.get("/agencies", params={"region": "gangwon"}))[
        "items"]] == ["AG-NHIS"]
    seoul = ok(http.get("/agencies/AG-SEOUL"))
    assert (seoul["code"], seoul["name_ko"], seoul["version"]) == ("6110000", "서울특별시", 1)

    changed = ok(http.post("/agencies/AG-SEOUL/changes", headers=OP, json={
        "name_ko": "서울특별시청", "name_en": "Seoul", "kind": "local", "region": "seoul"}))
    assert changed["version"] == 2
    assert ok(http.get("/agencies/AG-SEOUL"))["name_ko"] == "서울특별시청"


def test_refusals_of_the_directory_record_nothing(http: TestClient[Any]) -> None:
    app: Any = http.app
    runtime = app.state.runtime
    ok(http.post("/agencies", headers=OP, json=AGENCIES[0]), 201)
    head = runtime.ledger.recorder.max_notification_id()
    taken = http.post("/agencies", headers=OP, json={**AGENCIES[1], "code": "6260000"})
    assert taken.status_code == 409 and taken.json()["rule"] == "agency.code-taken"
    malformed = http.post("/agencies", headers=OP, json={**AGENCIES[1], "code": "17410"})
    assert malformed.status_code == 422 and malformed.json()["rule"] == "agency.code-format"
    twice = http.post("/agencies", headers=OP, json={**AGENCIES[0], "code": "6260001"})
    assert twice.status_code == 409 and twice.json()["rule"] == "agency.already-registered"
    forbidden = http.post("/agencies", headers=bearer(AGENCY), json=AGENCIES[1])
    assert forbidden.status_code == 403 and forbidden.json()["rule"] == "auth.role-forbidden"
    absent = http.get("/agencies/AG-NOWHERE")
    assert absent.status_code == 404 and absent.json()["rule"] == "agency.not-found"
    unknown = http.post("/agencies/AG-NOWHERE/changes", headers=OP, json={
        "name_ko": "어디", "name_en": "x", "kind": "other", "region": "jeju"})
    assert unknown.status_code == 404 and unknown.json()["rule"] == "agency.not-found"
    opened = http.post("/procurements", headers=bearer(UNREGISTERED_AGENCY), json={
        "reference": "r-1", "title": "클라우드 이용", "fiscal_year": 2026})
    assert opened.status_code == 422, opened.text
    assert opened.json()["rule"] == "agency.not-registered"
    assert "AG-NOWHERE" in opened.json()["detail_ko"]
    assert runtime.ledger.recorder.max_notification_id() == head


def test_the_ocds_buyer_is_named_and_carries_its_administrative_code(
        http: TestClient[Any], clock: Clock) -> None:
    pid, contract_id = awarded_procurement(http, clock)
    ok(http.post(f"/contracts/{contract_id}/disclosure", headers=bearer(AGENCY)))
    package = ok(http.get("/ocds/releases"))
    assert_valid(package, http)
    record = ok(http.get(f"/ocds/records/ocds-dsledger-{pid}"))
    assert_valid(record, http)
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["buyer"] == {"id": "AG-SEOUL", "name": "서울특별시"}
    buyer = next(p for p in compiled["parties"] if p["id"] == "AG-SEOUL")
    assert buyer["name"] == "서울특별시"
    assert buyer["additionalIdentifiers"] == [{
        "scheme": ADMINISTRATIVE_CODE_SCHEME, "id": "6110000", "legalName": "서울특별시"}]
    assert compiled["tender"]["procuringEntity"]["name"] == "서울특별시"


def test_the_evidence_pdf_cover_names_the_agency_in_korean(
        http: TestClient[Any], clock: Clock) -> None:
    try:
        korean_font()
    except FontMissing as problem:
        missing("a Korean font for the PDF", str(problem))
    pid, _ = awarded_procurement(http, clock)
    pack = ok(http.get(f"/procurements/{pid}/evidence", headers=bearer(AUDITOR)))
    assert pack["sections"]["agency_name"] == "서울특별시"
    response = http.get(f"/procurements/{pid}/evidence.pdf", headers=bearer(AGENCY))
    assert response.status_code == 200
    cover = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "서울특별시" in cover or "서울특별시" in "".join(cover.split())
    assert "AG-SEOUL" in cover
