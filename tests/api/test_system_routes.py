"""Unknown things answer 404 with their rule; the demo clock moves forward only, and only in a
demo; a key still being processed answers 409."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import insert

from api.app import create_app
from api.idempotency import _scope_key
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.tables import idempotency_keys
from scheduler.clock import ControllableClock
from tests.api.bodies import selection_body
from tests.principals import AGENCY, OPERATOR, bearer

NOBODY = "00000000-0000-0000-0000-000000000009"


def test_unknown_pages_and_records_answer_404_naming_their_rule(client: TestClient[Any]) -> None:
    cases = [
        ("/catalogue/pages/faas/services", {}, "search.page-unknown"),
        (f"/procurements/{NOBODY}", bearer(AGENCY), "procurement.not-found"),
        (f"/contracts/{NOBODY}", bearer(OPERATOR), "contract.not-found"),
        (f"/inspections/{NOBODY}", bearer(OPERATOR), "inspection.not-found"),
    ]
    for path, headers, rule in cases:
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["rule"] == rule


def test_a_real_clock_cannot_be_moved(client: TestClient[Any]) -> None:
    response = client.post("/system/clock", headers=bearer(OPERATOR),
                           json={"now": "2030-01-01T00:00:00+09:00"})
    assert response.status_code == 409
    assert response.json()["rule"] == "system.clock-not-controllable"


def test_a_demo_clock_moves_forward_only_and_only_for_the_operator(
    settings_factory: Callable[[], Settings],
) -> None:
    runtime = Runtime(settings_factory(),
                      clock=ControllableClock(datetime(2026, 3, 2, tzinfo=UTC)))
    with TestClient(app=create_app(runtime)) as client:
        moved = client.post("/system/clock", headers=bearer(OPERATOR),
                            json={"now": "2026-12-01T09:00:00+09:00"})
        assert moved.status_code == 200
        assert client.get("/system/clock").json()["now"].startswith("2026-12-01")
        back = client.post("/system/clock", headers=bearer(OPERATOR),
                           json={"now": "2026-06-01T09:00:00+09:00"})
        assert back.status_code == 422
        assert back.json()["rule"] == "system.clock-backwards"
        assert client.post("/system/clock", headers=bearer(AGENCY),
                           json={"now": "2027-01-01T00:00:00+09:00"}).status_code == 403
    runtime.close()


def test_a_key_still_being_processed_answers_409(client: TestClient[Any],
                                                 runtime: Runtime) -> None:
    body = json.dumps(selection_body()).encode()
    claimed = _scope_key({"user": OPERATOR}, "slow-key")
    with runtime.db.begin() as conn:
        conn.execute(insert(idempotency_keys).values(
            scope_key=claimed, fingerprint=hashlib.sha256(b"/services?\n" + body).hexdigest(),
            completed=False, created_at=datetime.now(UTC)))
    response = client.post("/services", content=body, headers={
        **bearer(OPERATOR), "Idempotency-Key": "slow-key", "Content-Type": "application/json"})
    assert response.status_code == 409
    assert response.json()["rule"] == "request.idempotency-in-progress"
    assert runtime.projector.head() == 0
