"""The principals the API tests act as, and their bearer headers."""

from __future__ import annotations

from api.auth import Principal, issue_token
from domain.actor import Role

TEST_SECRET = "test-secret-" + "x" * 40


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(TEST_SECRET, principal)}"}


OPERATOR = Principal(principal_id="nia-officer-1", role=Role.OPERATOR)
AUDITOR = Principal(principal_id="bai-auditor-1", role=Role.AUDITOR)
AGENCY = Principal(principal_id="officer@seoul", role=Role.AGENCY, agency_id="AG-SEOUL")
OTHER_AGENCY = Principal(principal_id="officer@busan", role=Role.AGENCY, agency_id="AG-BUSAN")


def provider(provider_id: str) -> Principal:
    return Principal(principal_id=f"staff@{provider_id}", role=Role.PROVIDER,
                     provider_id=provider_id)
