"""Auditors prove the log over HTTP alone: the key, the signed heads, an inclusion proof for each
event and a consistency proof between heads all check out with RFC 9162's own verification steps
(``tests/audit/rfc9162_text.py``; Go's tlog in ``tests/audit``) and the event rows themselves;
nobody else gets the proofs that name aggregates."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar.testing import TestClient
from sqlalchemy import text

from audit.checkpoint import open_checkpoint
from dsledger.runtime import Runtime
from projections.merkle_log import StoredRecord
from tests.api.bodies import selection_body
from tests.audit.rfc9162_text import verify_consistency, verify_inclusion
from tests.principals import AGENCY, AUDITOR, OPERATOR, bearer, provider

OP = bearer(OPERATOR)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def record_services(client: TestClient[Any], first: int, count: int) -> None:
    for number in range(first, first + count):
        service_id = ok(client.post("/services", json=selection_body(f"NIA-AUD-{number:04d}"),
                                    headers=OP), 201)["aggregate_id"]
        ok(client.post(f"/services/{service_id}/registration", headers=OP))


def publish(client: TestClient[Any], headers: dict[str, str] = OP) -> dict[str, Any]:
    return ok(client.post("/audit/tree-heads", headers=headers), 201)


def test_a_published_head_is_signed_by_the_published_key(client: TestClient[Any]) -> None:
    record_services(client, 1, 3)
    head = publish(client)
    assert head["tree_size"] == 6
    key = ok(client.get("/audit/public-key"))
    public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"]))
    assert head["key_id"] == key["key_id"]
    body, _, _ = head["checkpoint"].rpartition("\n\n")
    assert body + "\n" == (f"localhost/dsledger\n{head['tree_size']}\n"
                           f"{base64.b64encode(bytes.fromhex(head['root_hash'])).decode()}\n"
                           f"dsledger-issued-at {head['issued_at']}\n")
    public_key.verify(base64.b64decode(head["signature"]), (body + "\n").encode())
    checkpoint = open_checkpoint(head["checkpoint"], client.get("/audit/checkpoint/verifier-key").text)
    assert checkpoint.size == head["tree_size"]
    assert ok(client.get("/audit/tree-heads/latest")) == head
    assert ok(client.get("/audit/tree-heads"))["items"] == [head]
    assert publish(client) == head, "nothing new recorded: the same head, not a second one"


def test_every_event_has_an_inclusion_proof_that_verifies_against_the_rows(
        client: TestClient[Any], runtime: Runtime) -> None:
    record_services(client, 1, 5)
    head = publish(client)
    root = bytes.fromhex(head["root_hash"])
    rows = runtime.ledger.recorder.select_notifications(start=1, limit=100)
    assert len(rows) == head["tree_size"] == 10
    for row in rows:
        body = ok(client.get("/audit/proofs/inclusion", params={"sequence": row.id},
                             headers=bearer(AUDITOR)))
        leaf = StoredRecord.of(row).leaf_hash()
        assert body["leaf_hash"] == leaf.hex()
        assert body["aggregate_id"] == str(row.originator_id)
        assert verify_inclusion(body["leaf_index"], body["tree_size"], leaf,
                                [bytes.fromhex(h) for h in body["inclusion_path"]], root)


def test_a_later_head_is_proven_to_extend_an_earlier_one(client: TestClient[Any]) -> None:
    record_services(client, 1, 2)
    first = publish(client)
    record_services(client, 10, 3)
    second = publish(client)
    body = ok(client.get("/audit/proofs/consistency",
                         params={"first": first["tree_size"], "second": second["tree_size"]}))
    assert body["first"] == first and body["second"] == second
    assert verify_consistency(first["tree_size"], second["tree_size"],
                              bytes.fromhex(first["root_hash"]), bytes.fromhex(second["root_hash"]),
                              [bytes.fromhex(h) for h in body["consistency_path"]])


def test_an_event_recorded_after_the_head_is_not_provable_against_it(
        client: TestClient[Any]) -> None:
    record_services(client, 1, 1)
    head = publish(client)
    record_services(client, 2, 1)
    response = client.get("/audit/proofs/inclusion", headers=bearer(AUDITOR),
                          params={"sequence": head["tree_size"] + 1,
                                  "tree_size": head["tree_size"]})
    assert response.status_code == 404
    assert response.json()["rule"] == "audit.event-not-in-tree"


def test_asking_for_an_unsigned_size_or_a_reversed_range_is_refused(
        client: TestClient[Any]) -> None:
    record_services(client, 1, 2)
    head = publish(client)
    unknown = client.get("/audit/proofs/consistency", params={"first": 1, "second": head["tree_size"]})
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "audit.tree-head-not-found"
    reversed_range = client.get("/audit/proofs/consistency",
                                params={"first": head["tree_size"], "second": 1})
    assert reversed_range.status_code == 400
    assert reversed_range.json()["rule"] == "audit.sizes-reversed"
    assert client.get("/audit/tree-heads/latest").status_code == 200


def test_an_empty_log_has_no_head(client: TestClient[Any]) -> None:
    assert client.get("/audit/tree-heads/latest").json()["rule"] == "audit.tree-head-not-found"
    response = client.post("/audit/tree-heads", headers=bearer(AUDITOR))
    assert response.status_code == 404


def test_only_auditors_get_inclusion_proofs_and_only_operators_and_auditors_sign(
        client: TestClient[Any], runtime: Runtime) -> None:
    record_services(client, 1, 1)
    for headers, status in [({}, 401), (bearer(AGENCY), 403), (bearer(provider("PRV-1")), 403),
                            (bearer(OPERATOR), 403)]:
        response = client.get("/audit/proofs/inclusion", params={"sequence": 1}, headers=headers)
        assert response.status_code == status, headers
    for headers, status in [({}, 401), (bearer(AGENCY), 403), (bearer(provider("PRV-1")), 403)]:
        assert client.post("/audit/tree-heads", headers=headers).status_code == status
    assert ok(client.get("/audit/tree-heads"))["total"] == 0
    head = publish(client, bearer(AUDITOR))
    assert runtime.projector.head() == head["tree_size"], "signing records nothing in the ledger"


def test_an_auditor_verifies_the_whole_log_over_http(client: TestClient[Any],
                                                     runtime: Runtime) -> None:
    record_services(client, 1, 3)
    publish(client)
    report = ok(client.get("/audit/verification", headers=bearer(AUDITOR)))
    assert report["problems"] == [] and report["events"] == report["logged"] == 6
    assert report["heads_checked"] == 1
    with runtime.db.begin() as conn:
        table = runtime.ledger.recorder.events_table_name
        column = "notification_id" if runtime.settings.is_postgres else "rowid"
        conn.execute(text(f"DELETE FROM {table} WHERE {column} = 4"))
    report = ok(client.get("/audit/verification", headers=bearer(AUDITOR)))
    assert report["problems"][0]["kind"] == "deleted" and report["problems"][0]["sequence"] == 4
    assert client.get("/audit/verification", headers=bearer(OPERATOR)).status_code == 403
