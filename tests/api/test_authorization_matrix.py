"""Every route, every role: anonymous callers reach only the public routes, auditors change
nothing, and no refused call records anything."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.principals import AGENCY, AUDITOR, OPERATOR, bearer, provider

PUBLIC_PREFIXES = ("/catalogue", "/rules", "/health", "/ledger/position", "/schema",
                   "/disclosures", "/system/clock")
SAMPLE = {"uuid": "00000000-0000-0000-0000-00000000000a", "str": "x"}


def routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        for method in getattr(route, "methods", set()):
            if method in {"HEAD", "OPTIONS"}:
                continue
            path = re.sub(r"\{[^}:]+:(\w+)\}", lambda m: SAMPLE.get(m.group(1), "x"), route.path)
            found.append((method, path))
    return sorted(set(found))


def test_anonymous_callers_reach_only_the_public_routes(client: TestClient[Any],
                                                         runtime: Runtime) -> None:
    app: Litestar = client.app  # type: ignore[assignment]
    checked = 0
    for method, path in routes(app):
        if path.startswith(PUBLIC_PREFIXES):
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
    posts = [(m, p) for m, p in routes(app) if m == "POST"]
    assert len(posts) > 40
    for method, path in posts:
        response = client.request(method, path, json={}, headers=bearer(AUDITOR))
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["rule"] == "auth.role-forbidden"
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
