"""OCDS 1.1 publication of the public part: release and record packages valid against the 1.1.5
schema (checked offline by libcoveocds), holding nothing the guideline keeps between agency and
candidates, and a compiled record that shows the contract as it now stands."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import jsonref
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from litestar.testing import TestClient
from ocdsextensionregistry import extension_version
from ocdsextensionregistry import util as registry_util

from domain import rules
from tests.api.test_evidence_routes import awarded_procurement
from tests.api.test_lifecycle_scenarios import Clock, clock, http, ok
from tests.principals import AGENCY, bearer

__all__ = ["clock", "http"]
AG = bearer(AGENCY)
# A copy of ../shared/ocds/standard-1__1__5-schema.zip, kept in the repository so the validation
# runs the same from any clean clone, wherever it is checked out.
STANDARD_ZIP = Path(__file__).resolve().parents[1] / "data" / "standard-1__1__5-schema.zip"
EXTENSION_PATCH = Path(__file__).resolve().parents[2] / "dsledger" / "ocds_extension" / "release-schema.json"


class _StandardZip:
    """Answers jsonref's requests for standard.open-contracting.org/schema/1__1__5/… from the local zip:
    the record package schema refers to the versioned release schema by its URL."""

    def __init__(self, url: str = "") -> None:
        self.url = url

    def get(self, url: str, **_: Any) -> _StandardZip:
        return _StandardZip(url)

    def raise_for_status(self) -> None:
        if "/schema/1__1__5/" not in self.url:
            raise AssertionError(f"libcoveocds asked the network for {self.url}")

    def json(self, **kwargs: Any) -> Any:
        name = self.url.rsplit("/", 1)[1]
        with zipfile.ZipFile(STANDARD_ZIP) as archive:
            return json.loads(archive.read(f"standard-1__1__5/schema/{name}"), **kwargs)


class _Service:
    """Answers the extension registry's downloads of the extension from the service itself (the
    test client), as a validator on the network would fetch them from the published URLs."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    def get(self, url: str, **_: Any) -> Any:
        if not url.startswith(str(self.client.base_url)):
            raise AssertionError(f"the extension registry asked the network for {url}")
        return self.client.get(url)


def cove(package: dict[str, Any], client: TestClient[Any]) -> dict[str, Any]:
    """libcoveocds against the local 1.1.5 zip, with the extension the package declares fetched
    from the service: nothing is fetched from the network."""
    config = LibCoveOCDSConfig({"standard_zip": STANDARD_ZIP.as_uri(), "context": "api"})
    service = _Service(client)
    # libcoveocds writes the extended schema it built into output_dir: a temporary one.
    with mock.patch.object(jsonref, "requests", _StandardZip()), \
            mock.patch.object(extension_version, "session", service), \
            mock.patch.object(registry_util, "session", service), \
            tempfile.TemporaryDirectory() as output:
        result: dict[str, Any] = ocds_json_output(
            output, json_data=json.loads(json.dumps(package)), lib_cove_ocds_config=config)
    return result


def assert_valid(package: dict[str, Any], client: TestClient[Any]) -> dict[str, Any]:
    result = cove(package, client)
    assert result["validation_errors"] == [], result["validation_errors"]
    assert result["additional_closed_codelist_values"] == {}, result["additional_closed_codelist_values"]
    # The dsledger extension is declared and applied: its fields are no longer additional, and
    # nothing else is either.
    extensions = result["extensions"]
    assert extensions["is_extended_schema"], extensions
    assert extensions["invalid_extension"] == {}, extensions["invalid_extension"]
    assert result["additional_fields"] == [], result["additional_fields"]
    return result


def terminated_contract(client: TestClient[Any], clock: Clock) -> tuple[str, str]:
    pid, contract_id = awarded_procurement(client, clock)
    ok(client.post(f"/contracts/{contract_id}/disclosure", headers=AG))
    clock.set("2026-05-03")
    ok(client.post(f"/contracts/{contract_id}/termination", headers=AG, json={
        "ground": "agency_necessity", "effective": "2026-06-30",
        "reason": "기관 사정으로 사업 종료", "unpaid_fees_krw": "1230000", "deposit_krw": "8640000"}))
    return pid, contract_id


def test_a_terminated_contract_is_published_valid_public_and_current(
        http: TestClient[Any], clock: Clock) -> None:
    pid, contract_id = terminated_contract(http, clock)
    ocid = f"ocds-dsledger-{pid}"

    package = ok(http.get("/ocds/releases"))
    assert_valid(package, http)
    releases = [r for r in package["releases"] if r["ocid"] == ocid]
    ids = [r["id"] for r in releases]
    assert len(ids) == len(set(ids)) and all(i.startswith(ocid) for i in ids)
    tags = [tag for r in releases for tag in r["tag"]]
    for tag in ("planning", "tender", "award", "contract", "contractTermination"):
        assert tag in tags, tag
    assert ok(http.get("/ocds/releases"))["releases"] == package["releases"], "stable"

    records = ok(http.get(f"/ocds/records/{ocid}"))
    assert_valid(records, http)
    record = records["records"][0]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["procurementMethod"] == "limited"
    assert compiled["tender"]["dsledger"]["method"] == "self"
    contract = next(c for c in compiled["contracts"] if c["id"] == contract_id)
    assert contract["status"] == "terminated"
    assert contract["dsledger"]["end"]["kind"] == "terminated"
    assert contract["dsledger"]["end"]["ground"] == "agency_necessity"
    assert contract["value"] == {"amount": 86400000, "currency": "KRW"}
    roles = {party["id"]: party["roles"] for party in compiled["parties"]}
    assert roles["PRV-NURI"] == ["supplier"] and "buyer" in roles[AGENCY.agency_id or ""]
    assert "PRV-HANA" not in roles, "a candidate that was not awarded is not published"

    # Nothing that stays between the agency and the candidates: quotes, evaluation, the rest.
    for published in (package, records):
        text = json.dumps(published, ensure_ascii=False)
        for secret in ("88000000", "견적-PRV", "총소유비용", "평가 1순위", "하나 결재클라우드",
                       "PRV-HANA", "기관 사정으로", "1230000"):
            assert secret not in text, secret


def test_expiry_and_its_follow_up_reach_the_compiled_record(
        http: TestClient[Any], clock: Clock) -> None:
    pid, contract_id = awarded_procurement(http, clock)
    ok(http.post(f"/contracts/{contract_id}/disclosure", headers=AG))
    clock.set("2027-01-01")
    ok(http.post(f"/contracts/{contract_id}/expiry", headers=AG))
    ok(http.post(f"/contracts/{contract_id}/follow-up", headers=AG, json={"follow_up": "ended"}))
    records = ok(http.get(f"/ocds/records/ocds-dsledger-{pid}"))
    assert_valid(records, http)
    assert_valid(ok(http.get("/ocds/releases", params={"limit": 1})), http)
    contract = records["records"][0]["compiledRelease"]["contracts"][0]
    assert contract["status"] == "terminated"
    assert contract["dsledger"]["end"]["kind"] == "expired"
    assert contract["dsledger"]["followUp"]["kind"] == "ended"


def test_only_disclosed_procurements_are_published_and_an_unknown_ocid_is_404(
        http: TestClient[Any], clock: Clock) -> None:
    pid, contract_id = awarded_procurement(http, clock)
    assert ok(http.get("/ocds/releases"))["releases"] == []
    for ocid in (f"ocds-dsledger-{pid}", "ocds-dsledger-00000000-0000-0000-0000-000000000001",
                 "not-an-ocid"):
        missing = http.get(f"/ocds/records/{ocid}")
        assert missing.status_code == 404
        assert missing.json()["type"] == f"/rules/{rules.OCDS_RECORD_NOT_FOUND.id}"
    ok(http.post(f"/contracts/{contract_id}/disclosure", headers=AG))
    page = ok(http.get("/ocds/releases", params={"limit": 1}))
    assert {r["ocid"] for r in page["releases"]} == {f"ocds-dsledger-{pid}"}
    assert "links" not in page  # the only published procurement: no next page
    assert_valid(page, http)


def test_the_extension_patch_is_valid_json_that_only_adds_dsledger_objects() -> None:
    patch = json.loads(EXTENSION_PATCH.read_text(encoding="utf-8"))
    for definition in patch["definitions"].values():
        assert set(definition["properties"]) == {"dsledger"}


def test_the_service_serves_its_extension_at_stable_absolute_urls(http: TestClient[Any]) -> None:
    metadata = ok(http.get("/ocds/extension/extension.json"))
    base = f"{http.base_url}/ocds/extension"
    assert metadata["documentationUrl"] == {"en": f"{base}/README.md"}
    assert metadata["contactPoint"] == {"name": "dsledger operator", "email": "ocds@localhost"}
    assert metadata["compatibility"] == ["1.1"] and metadata["name"]["en"]
    assert http.get(metadata["documentationUrl"]["en"]).text.startswith("#")
    schema = ok(http.get(f"{base}/release-schema.json"))
    assert schema == json.loads(EXTENSION_PATCH.read_text(encoding="utf-8"))

    def titled(properties: dict[str, Any]) -> None:
        for name, field in properties.items():
            assert field.get("title") and field.get("description"), name
            titled(field.get("properties", {}))
            titled(field.get("items", {}).get("properties", {}))

    for definition in schema["definitions"].values():
        titled(definition["properties"])
    package = ok(http.get("/ocds/releases"))
    assert package["extensions"] == [f"{base}/extension.json"]
