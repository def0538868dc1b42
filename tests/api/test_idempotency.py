"""A POST retried with the same Idempotency-Key returns the first answer and records nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from api.idempotency import STALE_CLAIM, _Store
from domain.ledger import Ledger
from domain.procurement import Procurement
from dsledger.request_trace import recorded_under
from dsledger.runtime import Runtime
from projections.tables import idempotency_keys
from tests.api.bodies import selection_body
from tests.api.test_procurement_routes import AG, prepared
from tests.principals import OPERATOR, bearer

OP = bearer(OPERATOR)


def test_a_retried_command_returns_the_first_answer_and_records_nothing_more(
    client: TestClient[Any], runtime: Runtime
) -> None:
    headers = {**OP, "Idempotency-Key": "select-NIA-1"}
    first = client.post("/services", json=selection_body("NIA-1"), headers=headers)
    assert first.status_code == 201
    head = runtime.projector.head()
    again = client.post("/services", json=selection_body("NIA-1"), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    assert runtime.projector.head() == head
    # Without the key the same body is a second command, which the ledger refuses.
    assert client.post("/services", json=selection_body("NIA-1"), headers=OP).status_code == 409


def test_a_key_reused_for_another_request_is_refused(client: TestClient[Any],
                                                    runtime: Runtime) -> None:
    headers = {**OP, "Idempotency-Key": "k-1"}
    assert client.post("/services", json=selection_body("NIA-1"), headers=headers
                       ).status_code == 201
    head = runtime.projector.head()
    response = client.post("/services", json=selection_body("NIA-2"), headers=headers)
    assert response.status_code == 422
    assert response.json()["rule"] == "request.idempotency-key-reused"
    assert runtime.projector.head() == head


def test_a_refusal_is_remembered_like_any_answer(client: TestClient[Any],
                                                 runtime: Runtime) -> None:
    headers = {**OP, "Idempotency-Key": "register-unknown"}
    path = "/services/00000000-0000-0000-0000-000000000000/registration"
    first = client.post(path, headers=headers)
    second = client.post(path, headers=headers)
    assert first.status_code == second.status_code == 404
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"


def test_keys_belong_to_the_principal_that_sent_them(client: TestClient[Any]) -> None:
    other = bearer(OPERATOR.__class__(principal_id="nia-officer-2", role=OPERATOR.role))
    assert client.post("/services", json=selection_body("NIA-1"),
                       headers={**OP, "Idempotency-Key": "same"}).status_code == 201
    response = client.post("/services", json=selection_body("NIA-2"),
                           headers={**other, "Idempotency-Key": "same"})
    assert response.status_code == 201


def test_keys_past_their_retention_are_forgotten_and_fresh_ones_kept(
    client: TestClient[Any], runtime: Runtime
) -> None:
    from scheduler.runner import DeadlineScheduler

    first = {**OP, "Idempotency-Key": "old-1"}
    assert client.post("/services", json=selection_body("NIA-OLD"), headers=first
                       ).status_code == 201
    assert client.post("/services", json=selection_body("NIA-NEW"),
                       headers={**OP, "Idempotency-Key": "new-1"}).status_code == 201
    with runtime.db.begin() as conn:
        conn.execute(idempotency_keys.update().where(idempotency_keys.c.created_at == select(
            idempotency_keys.c.created_at).order_by(idempotency_keys.c.created_at).limit(1)
            .scalar_subquery()).values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    scheduler = DeadlineScheduler(runtime)
    try:
        assert scheduler.forget_expired_keys() == 1
        assert scheduler.forget_expired_keys() == 0
    finally:
        scheduler.leadership.release()
    with runtime.db.connect() as conn:
        assert len(conn.execute(select(idempotency_keys)).all()) == 1
    # Forgotten, the old key runs as a new request: the ledger itself refuses the duplicate.
    again = client.post("/services", json=selection_body("NIA-OLD"), headers=first)
    assert again.status_code == 409
    assert "idempotent-replayed" not in again.headers


MINUTES = {"channel": "meeting", "summary": "요구사항 설명회 회의록", "document_ref": "회의록-07"}


def stale(runtime: Runtime) -> None:
    """Every claim left as old as one whose process died long enough ago to be taken over."""
    with runtime.db.begin() as conn:
        conn.execute(idempotency_keys.update().values(
            created_at=datetime.now(UTC) - STALE_CLAIM - timedelta(seconds=1)))


def communications(runtime: Runtime, procurement_id: str) -> list[Any]:
    procurement = runtime.ledger.load(Procurement, UUID(procurement_id))
    return list(procurement.communications)


def test_a_retry_after_the_server_died_between_recording_and_answering_records_nothing_more(
    client: TestClient[Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    procurement_id = prepared(client)
    headers = {**AG, "Idempotency-Key": "minutes-07"}
    path = f"/procurements/{procurement_id}/communications"
    # The events commit; the process dies before the answer is stored, so the claim stays open.
    monkeypatch.setattr(_Store, "complete", lambda *_: None)
    first = client.post(path, json=MINUTES, headers=headers)
    assert first.status_code == 200, first.text
    monkeypatch.undo()
    stale(runtime)
    head = runtime.ledger.recorder.max_notification_id()

    retry = client.post(path, json=MINUTES, headers=headers)
    assert retry.status_code == 409
    problem = retry.json()
    assert problem["rule"] == "request.idempotency-recorded-unanswered"
    assert problem["field"] == "Idempotency-Key"
    assert f"position {first.json()['position']}" in problem["detail"]
    assert runtime.ledger.recorder.max_notification_id() == head
    assert len(communications(runtime, procurement_id)) == 1
    # That answer is now the key's answer.
    again = client.post(path, json=MINUTES, headers=headers)
    assert again.status_code == 409
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == problem


def test_a_retry_after_the_server_died_before_recording_runs_under_the_same_correlation_id(
    client: TestClient[Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    procurement_id = prepared(client)
    headers = {**AG, "Idempotency-Key": "minutes-08", "X-Correlation-ID": "agency-req-81"}
    path = f"/procurements/{procurement_id}/communications"

    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the process dies before the events are recorded")

    # Nothing is recorded, and the claim is never released.
    monkeypatch.setattr(Ledger, "log_communication", crash)
    monkeypatch.setattr(_Store, "release", lambda *_: None)
    assert client.post(path, json=MINUTES, headers=headers).status_code == 500
    monkeypatch.undo()
    stale(runtime)

    retry = client.post(path, json={**MINUTES}, headers={**headers, "X-Correlation-ID": "other"})
    assert retry.status_code == 200, retry.text
    assert len(communications(runtime, procurement_id)) == 1
    recorded = recorded_under(runtime.ledger, "agency-req-81", 0)
    assert [event.position for event in recorded] == [retry.json()["position"]]
    assert recorded_under(runtime.ledger, "other", 0) == []


def test_a_keyed_request_without_a_correlation_id_records_under_one_it_is_given(
    client: TestClient[Any], runtime: Runtime,
) -> None:
    procurement_id = prepared(client)
    response = client.post(f"/procurements/{procurement_id}/communications", json=MINUTES,
                           headers={**AG, "Idempotency-Key": "minutes-09"})
    assert response.status_code == 200
    with runtime.db.connect() as conn:
        correlation_id = conn.execute(select(idempotency_keys.c.correlation_id)).scalar_one()
    assert correlation_id.startswith("idem-")
    assert [event.position for event in recorded_under(runtime.ledger, correlation_id, 0)] == [
        response.json()["position"]]
