"""Property-based requests over the whole OpenAPI document (schemathesis, in-process, every
built-in check), on SQLite and PostgreSQL: the document tells the truth about every answer
(status, media type, body schema, security), no route meets a server error, and a refused request
records nothing. Bounded: a few examples per operation, so each database takes well under a
minute."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.authorization import POLICY
from dsledger.background import background_work
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.conftest import _empty_postgres
from tests.principals import AGENCY, AUDITOR, OPERATOR, TEST_SECRET, bearer, provider

CONFIG = SchemathesisConfig.from_dict({
    "generation": {"mode": "all"},
    # The coverage phase's negative cases (every boundary of every body field, every method a
    # path does not have) cost a minute per database over the command bodies; they run for
    # the reads, which have no body, and every path's methods are checked below
    # (test_every_path_allows_exactly_its_documented_methods). The fuzzing phase still sends
    # invalid bodies to every command.
    "phases": {"coverage": {"generation": {"mode": "positive"}}},
    "checks": {
        # A body the schema accepts may still break a rule of the ledger no schema can say
        # (an award naming a service that was never a candidate, a budget over the procurement's
        # limit, a step taken twice), and the ids it names are generated, so rarely recorded:
        # those are answered 404, 409 or 422, each documented on the operation. The check still
        # fails on anything else (a 400 for valid data, a 5xx, a 3xx).
        "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409",
                                                           "422"]},
    },
    "operations": [{
        "include-method": "GET",
        "phases": {"coverage": {"generation": {"mode": "all"}}},
    }, {
        # Two parameters each valid alone, refused together as malformed (first > second):
        # OpenAPI cannot relate one parameter to another.
        "include-path": "/audit/proofs/consistency",
        "checks": {"positive_data_acceptance": {"expected-statuses": [
            "2xx", "400", "404"]}},
    }, {
        # A keyset cursor (``after``) is opaque: any text the schema allows is seldom one the
        # list wrote, and such a cursor is refused as malformed (400, field ``after``).
        "include-name-regex": "^GET /(contracts|procurements|disclosures|services|inspections|"
                              "semiannual-reports|ocds/releases|agencies)/?$",
        "checks": {"positive_data_acceptance": {"expected-statuses": [
            "2xx", "400", "401", "403", "404"]}},
    }],
})
# Litestar serves the document; each case is called with a token of a role the table lets in
# (an agency before a provider), so the checks see the answers past the guard, not only 403s.
PREFERENCE = (OPERATOR, AGENCY, provider("PRV-1"), AUDITOR)


@pytest.fixture(scope="module", params=["sqlite",
                                        pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_runtime(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 ) -> Iterator[Runtime]:
    """One ledger per database for the whole module (a runtime per case would spend the time
    budget on migrations), with its projection engine running as the service runs it:
    schemathesis does not run the application's lifespan, and without the engine every
    accepted command would wait out its read-your-writes timeout."""
    data: Path = tmp_path_factory.mktemp("fuzz")
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
    else:
        url = f"sqlite:///{data / 'fuzz.sqlite3'}"
    runtime = Runtime(Settings(database_url=url, data_dir=data, jwt_secret=TEST_SECRET))
    with background_work(runtime, projector=True, scheduler=None):
        yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_runtime: Runtime) -> Any:
    return schemathesis.openapi.from_asgi("/schema/openapi.json",
                                          create_app(fuzz_runtime, run_projector=False),
                                          config=CONFIG)


SCHEMA = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's fixture-loaded tests read pytest's private ``Node._nodeid``, which
    pytest 9 no longer sets; they only read it to name each operation in the report."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _plain(template: str) -> str:
    """Litestar's path keeps each parameter's type (``{contract_id:uuid}``), the document's does
    not (``{contract_id}``)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", template)


_KEYS = {(key.split(" ", 1)[0], _plain(key.split(" ", 1)[1])): key for key in POLICY}


def _policy_key(method: str, openapi_path: str) -> str:
    """The table's key for an operation of the document."""
    return _KEYS[(method.upper(), openapi_path)]


def _headers(case: Any) -> dict[str, str]:
    access = POLICY[_policy_key(case.operation.method, case.operation.path)]
    if access.public:
        return {}
    principal = next(p for p in PREFERENCE if p.role in access.grants)
    return bearer(principal)


@SCHEMA.parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_as_documented_and_refusals_record_nothing(
        case: Any, fuzz_runtime: Runtime) -> None:
    before = fuzz_runtime.projector.head()
    response = case.call_and_validate(headers=_headers(case))
    if response.status_code >= 400:
        assert fuzz_runtime.projector.head() == before, (case.method, case.path)


def test_the_document_declares_problems_security_and_closed_bodies(
        fuzz_runtime: Runtime) -> None:
    with TestClient(app=create_app(fuzz_runtime, run_projector=False)) as client:
        document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["ProblemDetails"]["required"] == ["status", "title"]
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            access = POLICY[_policy_key(method.upper(), path)]
            operations += 1
            errors = {code: answer for code, answer in operation["responses"].items()
                      if code >= "400"}
            assert "400" in errors, (method, path)
            for answer in errors.values():
                assert list(answer["content"]) == ["application/problem+json"], (method, path)
            if access.public:
                assert operation["security"] == [], (method, path)
                assert not {"401", "403"} & errors.keys(), (method, path)
            else:
                assert operation["security"] == [{"BearerToken": []}], (method, path)
                assert "401" in errors, (method, path)
            if method == "get":
                assert "409" not in errors, (method, path)
            if "requestBody" in operation:
                assert {"409", "415", "422"} <= errors.keys() or path == "/system/clock"
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert schemas[ref.rsplit("/", 1)[1]]["additionalProperties"] is False, path
    assert operations == len(POLICY)


def test_every_path_allows_exactly_its_documented_methods(fuzz_runtime: Runtime) -> None:
    """OPTIONS lists a path's methods as the document does, and a method it lacks is answered
    405 with the same list (schemathesis' unsupported_method and allow_header_conformance,
    for every path, commands included)."""
    with TestClient(app=create_app(fuzz_runtime, run_projector=False)) as client:
        document = client.get("/schema/openapi.json").json()
        for path, item in document["paths"].items():
            integers = {parameter["name"] for operation in item.values()
                        for parameter in operation.get("parameters", [])
                        if parameter.get("in") == "path"
                        and parameter.get("schema", {}).get("type") == "integer"}
            url = path
            for name in re.findall(r"\{(\w+)\}", path):
                sample = "1" if name in integers else "00000000-0000-4000-8000-000000000001"
                url = url.replace(f"{{{name}}}", sample)
            documented = {method.upper() for method in item} | {"OPTIONS"}
            allowed = client.options(url).headers["allow"]
            assert {m.strip() for m in allowed.split(",")} == documented, (path, allowed)
            lacking = next(m for m in ("DELETE", "PUT", "PATCH") if m not in documented)
            refused = client.request(lacking, url)
            assert refused.status_code == 405, (path, lacking, refused.status_code)
            assert refused.headers["content-type"] == "application/problem+json"
