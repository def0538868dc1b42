"""Property-based requests over the whole OpenAPI document (schemathesis, in-process): whatever a
client sends, no route answers with a server error, and a refused request records nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.principals import AGENCY, OPERATOR, TEST_SECRET, bearer, provider

_DATA = Path(tempfile.mkdtemp(prefix="dsledger-fuzz-"))
RUNTIME = Runtime(Settings(database_url=f"sqlite:///{_DATA / 'fuzz.sqlite3'}", data_dir=_DATA,
                           jwt_secret=TEST_SECRET))
SCHEMA = schemathesis.openapi.from_asgi("/schema/openapi.json",
                                        create_app(RUNTIME, run_projector=False))
HEADERS = [bearer(OPERATOR), bearer(AGENCY), bearer(provider("PRV-1")), {}]


@SCHEMA.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_meets_a_server_error_and_refusals_record_nothing(case: Any) -> None:
    for headers in HEADERS:
        case.headers = {**(case.headers or {}), **headers}
        before = RUNTIME.projector.head()
        response = case.call()
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if response.status_code >= 400:
            assert RUNTIME.projector.head() == before, (case.method, case.path)
