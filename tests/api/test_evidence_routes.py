"""The evidence pack the guideline asks to attach to the internal approval, and a contract's
history for an external auditor: complete, readable in Korean, and verifiable on their own."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import TestClient
from pypdf import PdfReader

from dsledger.evidence import Bundle, verify_bundle
from dsledger.evidence_pdf import FontMissing, korean_font
from dsledger.settings import Settings
from tests.api.test_lifecycle_scenarios import Clock, clock, http, ok, register, terms
from tests.principals import AGENCY, AUDITOR, OTHER_AGENCY, bearer, provider
from tests.requirements import missing

__all__ = ["clock", "http"]
AG = bearer(AGENCY)
ROOT = Path(__file__).resolve().parents[2]
CRITERIA = [{"key": "tco", "label": "총소유비용", "weight": "40"},
            {"key": "technical_fit", "label": "기능 적합성", "weight": "30"},
            {"key": "customer_support", "label": "고객지원", "weight": "15"},
            {"key": "performance_stability", "label": "성능·안정성", "weight": "15"}]


def awarded_procurement(client: TestClient[Any], clock: Clock) -> tuple[str, str]:
    """A self procurement with two candidates, an exclusion, an evaluation and an award."""
    nuri = register(client, "NIA-E-1", name="누리 전자결재", provider_id="PRV-NURI",
                    keywords=["전자결재"])
    hana = register(client, "NIA-E-2", name="하나 결재클라우드", provider_id="PRV-HANA",
                    keywords=["전자결재"])
    pid = ok(client.post("/procurements", headers=AG, json={
        "reference": "결재-2026-11", "title": "전자결재 SaaS 이용", "fiscal_year": 2026}),
        201)["aggregate_id"]
    ok(client.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "96000000"}],
        "category": "service_fee", "pricing_model": "flat"}))
    ok(client.post(f"/procurements/{pid}/requirements", headers=AG, json={
        "purpose": "전자결재를 클라우드로 이용", "usage_environment": "800명, 9개월",
        "network_separation": False, "usage_months": 9,
        "functional_requirements": ["전자결재"], "budget_krw": "90000000",
        "service_types": ["SaaS"]}))
    search = ok(client.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "keywords": "전자결재"}), 201)
    assert {hit["service_id"] for hit in search["results"]} == {nuri, hana}
    ok(client.post(f"/procurements/{pid}/searches/{search['search_id']}/saving", headers=AG))
    ok(client.post(f"/procurements/{pid}/method", headers=AG, json={"method": "self"}))
    for service, provider_id, amount in ((nuri, "PRV-NURI", "86400000"),
                                         (hana, "PRV-HANA", "88000000")):
        ok(client.post(f"/procurements/{pid}/quote-requests", headers=AG,
                       json={"service_id": service, "due": "2026-03-16"}))
        ok(client.post(f"/procurements/{pid}/quotes", headers=bearer(provider(provider_id)),
                       json={"service_id": service, "amount_krw": amount,
                             "valid_until": "2026-04-30", "document_ref": f"견적-{provider_id}"}))
    ok(client.post(f"/procurements/{pid}/evaluation", headers=AG, json={
        "criteria": CRITERIA,
        "scores": [{"service_id": nuri, "scores": {c["key"]: "90" for c in CRITERIA}},
                   {"service_id": hana, "scores": {c["key"]: "80" for c in CRITERIA}}]}))
    ok(client.post(f"/procurements/{pid}/award", headers=AG,
                   json={"service_ids": [nuri], "rationale": "평가 1순위, 예산 이내"}))
    clock.set("2026-03-20")
    contract_id = ok(client.post("/contracts", headers=AG, json={
        "procurement_id": pid, "terms": terms()}), 201)["aggregate_id"]
    return pid, contract_id


def test_the_evidence_pack_holds_every_step_and_verifies_on_its_own(
        http: TestClient[Any], clock: Clock, tmp_path: Path) -> None:
    pid, _ = awarded_procurement(http, clock)
    pack = ok(http.get(f"/procurements/{pid}/evidence", headers=bearer(AUDITOR)))
    sections = pack["sections"]
    assert "전자결재를 클라우드로 이용" in json.dumps(sections["requirements"], ensure_ascii=False)
    search = sections["searches"][0]
    assert search["conditions"]["keywords"] == "전자결재"
    assert len(search["results"]) == 2 and search["saved"] is True
    assert sections["saved_search_id"] == search["search_id"]
    assert len(sections["quotes"]) == 2
    assert sections["evaluations"] and sections["award"]["rationale"] == "평가 1순위, 예산 이내"
    types = [event["type"] for event in pack["events"]]
    assert types[0] == "Opened" and types[-1] == "Awarded"
    assert [event["version"] for event in pack["events"]] == list(range(1, len(types) + 1))
    bundle = msgspec.json.decode(json.dumps(pack).encode(), type=Bundle)
    key = ok(http.get("/audit/public-key"))["public_key"]
    assert verify_bundle(bundle, key) == []
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack))
    done = subprocess.run([sys.executable, "-m", "dsledger.cli", "verify", "--pack", str(path),
                           "--public-key", key], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_pack_with_an_edited_event_or_a_foreign_key_does_not_verify(
        http: TestClient[Any], clock: Clock, tmp_path: Path) -> None:
    pid, _ = awarded_procurement(http, clock)
    pack = ok(http.get(f"/procurements/{pid}/evidence", headers=AG))
    key = ok(http.get("/audit/public-key"))["public_key"]
    award = pack["events"][-1]
    import base64

    state = base64.b64decode(award["state"]).replace("평가 1순위".encode(), "수의 선정".encode())
    award["state"] = base64.b64encode(state).decode()
    bundle = msgspec.json.decode(json.dumps(pack).encode(), type=Bundle)
    problems = verify_bundle(bundle, key)
    assert {p.sequence for p in problems} <= {award["sequence"], None}
    assert {p.detail for p in problems} >= {
        "the event's stored bytes do not hash to its leaf",
        "the inclusion proof does not lead to the tree head's root"}
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack))
    done = subprocess.run([sys.executable, "-m", "dsledger.cli", "verify", "--pack", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    untouched = ok(http.get(f"/procurements/{pid}/evidence", headers=AG))
    assert verify_bundle(msgspec.json.decode(json.dumps(untouched).encode(), type=Bundle),
                         "11" * 32) != []


def _tampered(pack: dict[str, Any], how: str, other_key: Any) -> dict[str, Any]:
    """The pack as a forger would hand it on, changed in one way."""
    forged = json.loads(json.dumps(pack))
    events = forged["events"]
    if how == "drop-first":
        del events[0]
    elif how == "drop-middle":
        del events[len(events) // 2]
    elif how == "drop-last":
        del events[-1]
    elif how == "edit-data":
        events[-1]["data"]["rationale"] = "수의 선정"
    elif how == "edit-actor":
        events[-1]["actor"] = "someone-else"
    elif how == "edit-time":
        events[-1]["at"] = events[-1]["at"].replace("2026-", "2025-", 1)
    elif how == "edit-section":
        forged["sections"]["award"]["rationale"] = "수의 선정"
    elif how == "swap":
        events[1], events[2] = events[2], events[1]
    elif how == "replace-proof":
        events[3]["inclusion_path"] = events[4]["inclusion_path"]
    elif how == "re-sign":
        from audit.checkpoint import sign_note
        from dsledger.evidence import statement_text

        text = statement_text(forged["subject_id"], len(events) - 1, forged["tree_head"]["tree_size"])
        forged["statement"] = sign_note(text, "localhost/dsledger", other_key)
        del events[-1]
    return forged


TAMPERS = {
    "drop-first": "expected version 1",
    "drop-middle": "missing versions",
    "drop-last": "missing versions",
    "edit-data": "differs from the stored event: data",
    "edit-actor": "differs from the stored event: actor",
    "edit-time": "differs from the stored event: at",
    "edit-section": "the sections differ from what the cited events say: award",
    "swap": "expected version 2",
    "replace-proof": "the inclusion proof does not lead to the tree head's root",
    "re-sign": "the pack's statement is not signed by the key",
}


def test_a_pack_missing_an_event_or_showing_what_its_events_do_not_say_does_not_verify(
        http: TestClient[Any], clock: Clock) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pid, _ = awarded_procurement(http, clock)
    pack = ok(http.get(f"/procurements/{pid}/evidence", headers=AG))
    key = ok(http.get("/audit/public-key"))["public_key"]
    assert pack["sections"]["award"]["rationale"] == "평가 1순위, 예산 이내"
    assert verify_bundle(msgspec.json.decode(json.dumps(pack).encode(), type=Bundle), key) == []
    other_key = Ed25519PrivateKey.generate()
    for how, message in TAMPERS.items():
        forged = msgspec.json.decode(json.dumps(_tampered(pack, how, other_key)).encode(),
                                     type=Bundle)
        details = [problem.detail for problem in verify_bundle(forged, key)]
        assert any(message in detail for detail in details), (how, details)


def test_the_printable_pack_reads_in_korean(http: TestClient[Any], clock: Clock) -> None:
    try:
        korean_font()
    except FontMissing as problem:
        missing("a Korean font for the PDF", str(problem))
    pid, _ = awarded_procurement(http, clock)
    response = http.get(f"/procurements/{pid}/evidence.pdf", headers=AG)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("조달 증빙자료", "내부결재", "요구사항", "검색 기록", "누리 전자결재",
                  "하나 결재클라우드", "나래소프트", "평가 1순위, 예산 이내",
                  "전자결재를 클라우드로 이용", "자체조달", "가중 합계", "용역비",
                  # ₩ with thousands separators: the budget, the quotes, the awarded amount
                  "₩96,000,000", "₩86,400,000", "₩88,000,000",
                  # KST to the second: the award was recorded at 01:00 UTC
                  "2026-03-02 10:00:00 KST", "dsledger verify --pack", "검증 통과"):
        assert words in "".join(text.split()) or words in text, words
    # Ranked by weighted total, by name: 90.00 for 누리, 80.00 for 하나.
    assert "90.00" in text and "80.00" in text
    assert text.index("90.00") < text.index("80.00")
    # No snake_case key, no UTC with microseconds, no raw ISO time.
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    # (the appendix prints the signed checkpoint verbatim, its own time included)
    assert not re.search(r"T\d\d:\d\d:\d\d", text[:text.index("부록")])
    fonts = {str(font) for page in reader.pages
             for font in (page["/Resources"]["/Font"] or {}).values()}
    assert fonts, "a font is embedded"


def test_a_contracts_history_bundle_cites_every_event(http: TestClient[Any], clock: Clock) -> None:
    _, contract_id = awarded_procurement(http, clock)
    bundle = ok(http.get(f"/contracts/{contract_id}/history-bundle", headers=bearer(AUDITOR)))
    assert bundle["events"][0]["type"] == "Concluded"
    assert bundle["sections"]["status"] == "active"
    decoded = msgspec.json.decode(json.dumps(bundle).encode(), type=Bundle)
    assert verify_bundle(decoded, ok(http.get("/audit/public-key"))["public_key"]) == []


def test_only_auditors_and_the_owning_agency_take_evidence(
        http: TestClient[Any], clock: Clock) -> None:
    pid, contract_id = awarded_procurement(http, clock)
    for path in (f"/procurements/{pid}/evidence", f"/procurements/{pid}/evidence.pdf",
                 f"/contracts/{contract_id}/history-bundle"):
        assert http.get(path).status_code == 401
        other = http.get(path, headers=bearer(OTHER_AGENCY))  # as if absent: 404
        assert other.status_code == 404 and other.json()["rule"].endswith(".not-found")
        assert http.get(path, headers=bearer(provider("PRV-NURI"))).status_code == 403
    unknown = http.get("/procurements/00000000-0000-0000-0000-000000000001/evidence",
                       headers=bearer(AUDITOR))
    assert unknown.status_code == 404


def test_the_command_line_exports_a_contract_history_that_verifies(
        http: TestClient[Any], clock: Clock, settings_factory: Callable[[], Settings],
        tmp_path: Path) -> None:
    _, contract_id = awarded_procurement(http, clock)
    settings = settings_factory()
    env = {"DSLEDGER_DATABASE_URL": settings.database_url, "DSLEDGER_DATA_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    out = tmp_path / "history.json"
    exported = subprocess.run([sys.executable, "-m", "dsledger.cli", "export", contract_id,
                               "--out", str(out)], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)
    assert exported.returncode == 0, exported.stderr
    bundle = msgspec.json.decode(out.read_bytes(), type=Bundle)
    assert bundle.subject_id == contract_id and bundle.events[0].type == "Concluded"
    key = ok(http.get("/audit/public-key"))["public_key"]
    checked = subprocess.run([sys.executable, "-m", "dsledger.cli", "verify", "--pack", str(out),
                              "--public-key", key], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
