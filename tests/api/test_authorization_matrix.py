"""Every route, every role: anonymous callers reach only the public routes, auditors change
nothing, and no refused call records anything."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.principals import AGENCY, AUDITOR, OPERATOR, OTHER_AGENCY, bearer, provider

PUBLIC_PREFIXES = ("/catalogue", "/rules", "/health", "/ledger/position", "/schema",
                   "/disclosures", "/system/clock", "/audit/public-key", "/audit/proofs/consistency",
                   "/ocds")
# Tree heads are published for anyone to keep; asking for a new one is for operators and auditors
# (signing what is recorded records nothing).
PUBLIC_READS = ("/audit/tree-heads",)
AUDITOR_MAY_POST = {"/audit/tree-heads"}
SAMPLE = {"uuid": "00000000-0000-0000-0000-00000000000a", "str": "x"}
# The server-rendered pages are not API routes: they read their own session cookie instead of a
# bearer header, answer HTML, and their only POSTs (sign-in, sign-out) set a cookie and record
# nothing; "/" just sends a browser to them. tests/web checks who may open which page.
WEB_PAGES = "/web"


def routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        for method in getattr(route, "methods", set()):
            if method in {"HEAD", "OPTIONS"}:
                continue
            path = re.sub(r"\{[^}:]+:(\w+)\}", lambda m: SAMPLE.get(m.group(1), "x"), route.path)
            found.append((method, path))
    return sorted(set(found))


def api_routes(app: Litestar) -> list[tuple[str, str]]:
    return [(method, path) for method, path in routes(app)
            if path != "/" and not path.startswith(WEB_PAGES)]


def test_anonymous_callers_reach_only_the_public_routes(client: TestClient[Any],
                                                         runtime: Runtime) -> None:
    app: Litestar = client.app  # type: ignore[assignment]
    checked = 0
    for method, path in api_routes(app):
        if path.startswith(PUBLIC_PREFIXES) or (method == "GET" and path.startswith(PUBLIC_READS)):
            continue
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["rule"] == "auth.unauthenticated"
        checked += 1
    assert checked > 40
    assert runtime.projector.head() == 0


def test_auditors_read_but_never_change_anything(client: TestClient[Any],
                                                 runtime: Runtime) -> None:
    app: Litestar = client.app  # type: ignore[assignment]
    posts = [(m, p) for m, p in api_routes(app) if m == "POST" and p not in AUDITOR_MAY_POST]
    assert len(posts) > 40
    for method, path in posts:
        response = client.request(method, path, json={}, headers=bearer(AUDITOR))
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["rule"] == "auth.role-forbidden"
    for path in AUDITOR_MAY_POST:
        assert client.post(path, headers=bearer(AUDITOR)).status_code in {201, 404}
    assert runtime.projector.head() == 0


def test_no_role_meets_a_server_error_on_any_route(client: TestClient[Any],
                                                   runtime: Runtime) -> None:
    app: Litestar = client.app  # type: ignore[assignment]
    principals = [OPERATOR, AGENCY, AUDITOR, provider("PRV-1")]
    for method, path in routes(app):
        for principal in principals:
            response = client.request(method, path, json={}, headers=bearer(principal))
            assert response.status_code < 500, (method, path, principal.role, response.text)
    assert runtime.projector.head() == 0


def test_history_is_read_by_auditors_and_the_owning_agency_only(client: TestClient[Any],
                                                                runtime: Runtime) -> None:
    app: Litestar = client.app  # type: ignore[assignment]
    history = [(m, p) for m, p in routes(app) if p.startswith("/history/")]
    assert {(m, p.rsplit("/", 1)[1]) for m, p in history} == {
        ("GET", "events"), ("GET", "state"), ("GET", "diff")}
    opened = client.post("/procurements", headers=bearer(AGENCY), json={
        "reference": "매트릭스-2026-01", "title": "이력 권한", "fiscal_year": 2026})
    assert opened.status_code == 201, opened.text
    procurement_id = opened.json()["aggregate_id"]
    params = {"events": {}, "state": {"version": 1}, "diff": {"from": 1}}
    expected = [(bearer(AUDITOR), 200), (bearer(AGENCY), 200), (bearer(OTHER_AGENCY), 404),
                (bearer(OPERATOR), 403), (bearer(provider("PRV-1")), 403), ({}, 401)]
    for method, path in history:
        path = path.replace(SAMPLE["uuid"], procurement_id)
        for headers, status in expected:
            response = client.request(method, path, params=params[path.rsplit("/", 1)[1]],
                                      headers=headers)
            assert response.status_code == status, (path, headers, response.text)
    assert runtime.projector.head() == 1
