"""A bearer token's verification is remembered per process, never its validity: a remembered token
still stops working when it expires, and a token differing from a remembered one by a character is
checked afresh (and refused)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from api.auth import issue_token
from tests.principals import AUDITOR, TEST_SECRET

AUDITOR_ONLY = "/audit/proofs/inclusion?sequence=1"  # 404 on an empty log; 401 without a user


def test_a_remembered_token_still_expires(client: TestClient[Any]) -> None:
    token = issue_token(TEST_SECRET, AUDITOR, ttl=timedelta(seconds=2))
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # verified once, then remembered
        answer = client.get(AUDITOR_ONLY, headers=headers)
        assert answer.status_code == 404 and answer.json()["type"].startswith("/rules/")
    time.sleep(2.5)
    assert client.get(AUDITOR_ONLY, headers=headers).status_code == 401


def test_a_token_altered_after_one_was_remembered_is_refused(client: TestClient[Any]) -> None:
    token = issue_token(TEST_SECRET, AUDITOR)
    assert client.get(AUDITOR_ONLY, headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 404
    header, payload, signature = token.split(".")
    forged = ".".join((header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))
    assert client.get(AUDITOR_ONLY, headers={"Authorization": f"Bearer {forged}"}
                      ).status_code == 401
