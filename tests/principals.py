"""The principals the API tests act as, and their bearer headers."""

from __future__ import annotations

from api.auth import Principal, issue_token
from domain.actor import Role
from domain.agency import AgencyKind, Region

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


class TestAgency:
    """An agency of the directory the tests' tokens name (registered by the operator)."""

    __test__ = False  # not a test class, whatever pytest's name matching thinks

    def __init__(self, agency_id: str, code: str, name_ko: str, name_en: str, kind: AgencyKind,
                 region: Region) -> None:
        self.agency_id, self.code, self.name_ko, self.name_en = agency_id, code, name_ko, name_en
        self.kind, self.region = kind, region


TEST_AGENCIES = {
    agency.agency_id: agency for agency in (
        TestAgency("AG-SEOUL", "6110000", "서울특별시", "Seoul Metropolitan Government",
                   AgencyKind.LOCAL, Region.SEOUL),
        TestAgency("AG-BUSAN", "6260000", "부산광역시", "Busan Metropolitan City",
                   AgencyKind.LOCAL, Region.BUSAN),
    )
}
UNREGISTERED_AGENCY = Principal(principal_id="officer@nowhere", role=Role.AGENCY,
                                agency_id="AG-NOWHERE")
"""An agency the directory never knows: the tests of the refusal act as it."""
