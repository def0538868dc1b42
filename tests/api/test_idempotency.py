"""A POST retried with the same Idempotency-Key returns the first answer and records nothing twice."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.api.bodies import selection_body
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
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from projections.tables import idempotency_keys
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
