"""Every route × every kind of caller, generated from the authorisation table (api/authorization.py),
checked against the running application over real resources, on SQLite and PostgreSQL.

The world: an agency (AG-SEOUL) has a procurement it awarded to a provider (PRV-NURI) and the
contract that followed; an inspection of the provider's service is scheduled. Every resource a
path can name is the agency's or the provider's. Each route is then called, with an empty body,
by an anonymous caller, an operator, the agency, another agency, the provider, a provider with
nothing here, and an auditor. What the table says decides what the answer must be:

- public route: never 401 or 403 (and nobody is asked for a token);
- a role the entry does not list: 403 ``auth.role-forbidden`` (401 without a token);
- a listed role whose ownership does not hold: where the resource's existence is private, exactly
  the answer an absent resource gets (404, same rule, same field, same words); where it is public,
  403 ``auth.not-owner``;
- otherwise the call is let through: it may still fail on its empty body or the domain's rules
  (400, 409, 422…), but not with 401, 403 or the resource's not-found.

A refused call records nothing, and no call meets a server error.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from api.auth import Principal
from api.authorization import POLICY, Access, PolicyIncomplete, api_routes, bind_policy
from domain.actor import Role
from tests.api.test_evidence_routes import awarded_procurement
from tests.api.test_lifecycle_scenarios import Clock, clock, http, ok
from tests.principals import AGENCY, AUDITOR, OPERATOR, OTHER_AGENCY, bearer, provider

__all__ = ["clock", "http"]

PROVIDER = provider("PRV-NURI")
OTHER_PROVIDER = provider("PRV-STRANGER")


@dataclass(frozen=True)
class Caller:
    name: str
    principal: Principal | None
    owns: bool
    """Whether it owns every resource of the world (the agency and the provider do)."""

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.principal is None else bearer(self.principal)


CALLERS = (
    Caller("anonymous", None, owns=False),
    Caller("operator", OPERATOR, owns=False),
    Caller("agency", AGENCY, owns=True),
    Caller("other agency", OTHER_AGENCY, owns=False),
    Caller("provider", PROVIDER, owns=True),
    Caller("other provider", OTHER_PROVIDER, owns=False),
    Caller("auditor", AUDITOR, owns=False),
)
ABSENT = "00000000-0000-4000-8000-00000000abcd"
# Query parameters a route needs before it looks at anything (so a refusal is the guard's).
QUERY = {
    "GET /history/{aggregate_id:uuid}/state": {"version": 1},
    "GET /history/{aggregate_id:uuid}/diff": {"from": 1},
    "GET /audit/proofs/inclusion": {"sequence": 1},
    "GET /audit/proofs/consistency": {"first": 1, "second": 1},
}
RESOURCES = ("procurement_id", "contract_id", "service_id", "aggregate_id", "inspection_id")
"""The path parameters that name a resource someone owns (the others name parts of one)."""
_PARAMETER = re.compile(r"\{(?P<name>\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class World:
    ids: dict[str, str]

    def path(self, template: str, **override: str) -> str:
        return _PARAMETER.sub(lambda m: override.get(m["name"], self.ids[m["name"]]), template)


@pytest.fixture
def world(http: TestClient[Any], clock: Clock) -> World:
    procurement_id, contract_id = awarded_procurement(http, clock)
    contract = ok(http.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))
    (service_id,) = contract["summary"]["service_ids"]
    inspection_id = ok(http.post("/inspections", headers=bearer(OPERATOR), json={
        "service_id": service_id, "kind": "ad_hoc", "due": "2026-12-01",
        "reason": "권한 점검"}), 201)["aggregate_id"]
    return World(ids={
        "procurement_id": procurement_id, "contract_id": contract_id, "service_id": service_id,
        "aggregate_id": procurement_id, "inspection_id": inspection_id, "search_id": "S-1",
        "kind": "CSAP", "number": "CSAP-1", "page": "saas", "rule_id": "auth.not-owner",
        "ocid": "ocds-unknown", "agency_id": "AG-SEOUL", "tree_size": "1",
        "tile_path": "tile/0/000"})


def _key(route: str) -> tuple[str, str]:
    method, path = route.split(" ", 1)
    return method, path


def _call(http: TestClient[Any], route: str, path: str, caller: Caller) -> Any:
    method, _ = _key(route)
    return http.request(method, path, params=QUERY.get(route), headers=caller.headers,
                        json={} if method == "POST" else None)


def _same_answer(refused: Any, absent: Any, resource_id: str) -> None:
    """The refusal says exactly what the absent resource's answer says, bar the id asked for."""
    assert refused.status_code == absent.status_code == 404
    assert refused.text.replace(resource_id, ABSENT) == absent.text, (refused.text, absent.text)


def _expect(access: Access, caller: Caller) -> str:
    if access.public:
        return "allowed"
    if caller.principal is None:
        return "unauthenticated"
    role = caller.principal.role
    if role not in access.grants:
        return "role-forbidden"
    owner = access.grants[role]
    if owner is None or caller.owns:
        return "allowed"
    return "not-owner-public" if owner.existence_public else "not-owner-private"


def test_every_route_answers_every_caller_as_the_table_says(
        http: TestClient[Any], world: World) -> None:
    app: Litestar = http.app  # type: ignore[assignment]
    runtime = app.state.runtime
    routes = api_routes(app)
    assert routes.keys() == POLICY.keys(), "the table and the application list other routes"
    checked: dict[str, int] = {}
    for route in sorted(routes):
        access = POLICY[route]
        path = world.path(_key(route)[1])
        for caller in CALLERS:
            expected = _expect(access, caller)
            runtime.projector.wait_for(runtime.projector.head(), 5.0)
            before = runtime.projector.head()
            response = _call(http, route, path, caller)
            status, body = response.status_code, response.text
            where = (route, caller.name, expected, status, body[:300])
            assert status < 500, where
            if expected == "allowed":
                assert status not in {401, 403}, where
                assert not (status == 404 and '.not-found"' in body
                            and any(world.ids[p] in body for p in RESOURCES
                                    if f"{{{p}" in route)), where
            else:
                assert runtime.projector.head() == before, where  # a refusal records nothing
                if expected == "unauthenticated":
                    assert status == 401 and response.json()["rule"] == "auth.unauthenticated"
                elif expected == "role-forbidden":
                    assert status == 403, where
                    assert response.json()["rule"] == "auth.role-forbidden", where
                elif expected == "not-owner-public":
                    assert status == 403, where
                    assert response.json()["rule"] == "auth.not-owner", where
                else:
                    assert caller.principal is not None
                    owner = access.grants[caller.principal.role]
                    assert owner is not None
                    absent = _call(http, route, world.path(
                        _key(route)[1], **{owner.parameter: ABSENT}), caller)
                    _same_answer(response, absent, world.ids[owner.parameter])
            checked[expected] = checked.get(expected, 0) + 1
    assert sum(checked.values()) == len(routes) * len(CALLERS)
    # Each outcome is met, so a table that allowed everything could not pass unnoticed.
    assert set(checked) == {"allowed", "unauthenticated", "role-forbidden", "not-owner-public",
                            "not-owner-private"}, checked


def test_absent_and_not_yours_answer_alike_for_the_owners_too(
        http: TestClient[Any], world: World) -> None:
    """An owner asking for an absent resource gets the same 404 as a stranger asking for theirs:
    the ownership lookup never lets an absent resource through to the handler."""
    for route, access in sorted(POLICY.items()):
        for role, owner in access.grants.items():
            if owner is None or owner.existence_public or _key(route)[0] != "GET":
                continue
            caller = next(c for c in CALLERS if c.principal is not None
                          and c.principal.role is role and c.owns)
            response = _call(http, route, world.path(_key(route)[1],
                                                     **{owner.parameter: ABSENT}), caller)
            assert response.status_code == 404, (route, role, response.text)
            assert response.json()["rule"] == owner.not_found.id, (route, response.text)


def test_a_route_missing_from_the_table_stops_the_application() -> None:
    @get("/not-in-the-table", sync_to_thread=False)
    def unlisted() -> str:
        return "open by accident"

    with pytest.raises(PolicyIncomplete, match="GET /not-in-the-table"):
        bind_policy(Litestar(route_handlers=[unlisted]))


def test_the_table_names_only_roles_a_token_can_carry() -> None:
    for route, access in POLICY.items():
        assert access.public != bool(access.grants), route
        assert Role.SYSTEM not in access.grants, route  # the scheduler acts in-process only
    assert uuid.UUID(ABSENT)
