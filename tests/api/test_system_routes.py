"""Unknown things answer 404 with their rule; the demo clock moves forward only, and only in a
demo; a key still being processed answers 409."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import insert

from api.app import create_app
from api.idempotency import _scope_key
from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.rules import RuleViolation
from dsledger.cli import main
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.tables import idempotency_keys
from scheduler.clock import ControllableClock
from tests.api.bodies import selection_body
from tests.principals import AGENCY, OPERATOR, TEST_SECRET, bearer

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


def _record_at(runtime: Runtime, day: datetime, reference: str = "결재-시각") -> None:
    officer = Actor(principal_id="officer@seoul", role=Role.AGENCY, agency_id="AG-SEOUL")
    runtime.ledger.open_procurement(CommandContext(actor=officer, correlation_id="t", at=day),
                                    agency_id="AG-SEOUL", reference=reference, title="시각",
                                    fiscal_year=day.year)


def _log_reaching(settings: Settings, day: datetime, reference: str = "결재-시각") -> None:
    """A ledger whose newest event was recorded at ``day`` (the demo clock moved there)."""
    runtime = Runtime(settings)
    try:
        _record_at(runtime, day, reference)
    finally:
        runtime.close()


def test_the_ledger_clock_never_goes_back_before_the_logs_newest_event(
    settings_factory: Callable[[], Settings],
) -> None:
    settings = settings_factory()
    _log_reaching(settings, datetime(2026, 4, 15, 1, tzinfo=UTC))
    with pytest.raises(RuleViolation) as refused:
        Runtime(settings, clock=ControllableClock(datetime(2026, 3, 2, tzinfo=UTC)))
    assert refused.value.rule is rules.CLOCK_BEFORE_LOG
    runtime = Runtime(settings, clock=ControllableClock(datetime(2026, 4, 15, 2, tzinfo=UTC)))
    with TestClient(app=create_app(runtime)) as client:
        # Another process (a scheduler with its own clock) recorded later than this clock.
        _record_at(runtime, datetime(2026, 5, 1, tzinfo=UTC), reference="결재-나중")
        back = client.post("/system/clock", headers=bearer(OPERATOR),
                           json={"now": "2026-04-20T09:00:00+09:00"})
        assert back.status_code == 422
        assert back.json()["rule"] == "system.clock-before-log"
        assert "2026-05-01" in back.json()["detail"]
        assert client.post("/system/clock", headers=bearer(OPERATOR),
                           json={"now": "2026-05-02T09:00:00+09:00"}).status_code == 200
    runtime.close()
    # A demo on the machine's time, behind a log moved further ahead, resumes from the log.
    _log_reaching(settings, datetime(2099, 1, 1, tzinfo=UTC), "결재-먼미래")
    resumed = Runtime(settings, clock=ControllableClock())
    try:
        assert resumed.now() >= datetime(2099, 1, 1, tzinfo=UTC)
    finally:
        resumed.close()


def test_serve_or_the_scheduler_started_before_the_logs_newest_event_exits_naming_it(
    settings_factory: Callable[[], Settings],
) -> None:
    settings = settings_factory()
    _log_reaching(settings, datetime(2026, 4, 15, 1, tzinfo=UTC))
    env = {"DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": TEST_SECRET}
    outcome = CliRunner().invoke(main, ["scheduler", "--once", "--now", "2026-03-02"], env=env)
    assert outcome.exit_code == 1, outcome.output
    assert "2026-04-15T01:00:00+00:00" in outcome.output
    outcome = CliRunner().invoke(main, ["scheduler", "--once", "--now", "2026-04-16"], env=env)
    assert outcome.exit_code == 0, outcome.output
