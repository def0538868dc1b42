"""Who may call which route, as data: one table, consulted by one guard for every request.

Each API route (``"METHOD /path"`` as Litestar registers it) has an :class:`Access` entry: public
(anyone, no token), or the roles that may call it and, per role, the ownership that must hold on
the resource its path names. Ownership is read from the views (``projections.tables``) by one
small resolver per kind of owner. The domain keeps its own checks as a second line.

Where the existence of a resource is private (a procurement, a contract, an aggregate's history)
a caller who does not own it is told exactly what a caller asking for an absent one is told: the
same 404 with the same body, so a refusal never confirms that the record exists. Where existence
is public (catalogue services) a 403 says whose it is not.

:func:`bind_policy` runs when the application is built: it refuses to start while any route has
no entry (fail closed), marks the public routes for the token middleware to let through, and
hands each route handler its entry, so :func:`authorize` finds it without a lookup per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy import Connection, select

from api.auth import Principal, require_role
from api.commands import runtime_of
from domain import rules
from domain.actor import Role
from domain.rules import Rule, refuse
from projections.tables import catalogue_services, contracts, procurement_requests, procurements

ACCESS_OPT = "access"
"""Where :func:`bind_policy` puts a route handler's entry (its ``opt``)."""
AUTH_EXCLUDED_OPT = "exclude_from_auth"
"""The token middleware's opt-out key (``api.auth.jwt_auth``)."""


@dataclass(frozen=True)
class Owner:
    """A kind of ownership: which path parameter names the resource, who owns it (read from a
    view; None when it is absent), what the principal is matched on, and how an absent resource
    is refused. ``existence_public``: whether anyone may already know the resource exists, in
    which case a caller who is not its owner is told so (403) rather than that it is absent."""

    name: str
    parameter: str
    owners: Callable[[Connection, str], frozenset[str] | None]
    principal_key: Callable[[Principal], str | None]
    not_found: Rule
    kind: tuple[str, str]
    """What the resource is called, in English and Korean (for a 403 where existence is public)."""
    existence_public: bool = False


def _procurement_agency(conn: Connection, procurement_id: str) -> frozenset[str] | None:
    agency = conn.execute(select(procurements.c.agency_id).where(
        procurements.c.procurement_id == procurement_id)).scalar_one_or_none()
    return None if agency is None else frozenset({agency})


def _procurement_candidates(conn: Connection, procurement_id: str) -> frozenset[str] | None:
    """The providers a procurement asked for a quote or a proposal: the only ones it tells it
    exists, and the only ones that may answer it."""
    asked = conn.execute(select(procurement_requests.c.provider_id).where(
        procurement_requests.c.procurement_id == procurement_id)).scalars().all()
    return frozenset(asked) or None


def _contract_agency(conn: Connection, contract_id: str) -> frozenset[str] | None:
    agency = conn.execute(select(contracts.c.agency_id).where(
        contracts.c.contract_id == contract_id)).scalar_one_or_none()
    return None if agency is None else frozenset({agency})


def _contract_providers(conn: Connection, contract_id: str) -> frozenset[str] | None:
    providers = conn.execute(select(contracts.c.provider_ids).where(
        contracts.c.contract_id == contract_id)).scalar_one_or_none()
    return None if providers is None else frozenset(providers)


def _service_provider(conn: Connection, service_id: str) -> frozenset[str] | None:
    provider = conn.execute(select(catalogue_services.c.provider_id).where(
        catalogue_services.c.service_id == service_id)).scalar_one_or_none()
    return None if provider is None else frozenset({provider})


def _aggregate_agency(conn: Connection, aggregate_id: str) -> frozenset[str] | None:
    """The agency owning a procurement or a contract; any other aggregate has none an agency
    could be (its history is the auditors'), so to an agency it is as if absent."""
    return _procurement_agency(conn, aggregate_id) or _contract_agency(conn, aggregate_id)


def _agency(principal: Principal) -> str | None:
    return principal.agency_id


def _provider(principal: Principal) -> str | None:
    return principal.provider_id


_PROCUREMENT = ("procurement", "조달 건")
_CONTRACT = ("contract", "계약")
PROCUREMENT_AGENCY = Owner("the procurement's agency", "procurement_id", _procurement_agency,
                           _agency, rules.PROCUREMENT_NOT_FOUND, _PROCUREMENT)
PROCUREMENT_CANDIDATE = Owner("a provider the procurement asked for a quote or proposal",
                              "procurement_id", _procurement_candidates, _provider,
                              rules.PROCUREMENT_NOT_FOUND, _PROCUREMENT)
CONTRACT_AGENCY = Owner("the contract's agency", "contract_id", _contract_agency, _agency,
                        rules.CONTRACT_NOT_FOUND, _CONTRACT)
CONTRACT_PROVIDER = Owner("a provider of the contract", "contract_id", _contract_providers,
                          _provider, rules.CONTRACT_NOT_FOUND, _CONTRACT)
SERVICE_PROVIDER = Owner("the service's provider", "service_id", _service_provider, _provider,
                         rules.SERVICE_NOT_FOUND, ("service", "서비스"), existence_public=True)
AGGREGATE_AGENCY = Owner("the agency of the procurement or contract", "aggregate_id",
                         _aggregate_agency, _agency, rules.HISTORY_NOT_FOUND,
                         ("aggregate", "기록"))


@dataclass(frozen=True)
class Access:
    """One route's entry. ``grants``: each role that may call it, with the ownership that must
    hold for that role (None: none, e.g. an operator or an auditor, or a list the handler
    narrows to the caller's own rows). ``public``: anyone, without a token."""

    grants: Mapping[Role, Owner | None] = field(default_factory=dict)
    public: bool = False

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(self.grants)


def allow(*roles: Role, agency: Owner | None = None, provider: Owner | None = None) -> Access:
    """``roles`` with no ownership to check, plus an agency and a provider with theirs."""
    grants: dict[Role, Owner | None] = {role: None for role in roles}
    if agency is not None:
        grants[Role.AGENCY] = agency
    if provider is not None:
        grants[Role.PROVIDER] = provider
    return Access(grants=grants)


PUBLIC = Access(public=True)
OPERATOR, AGENCY, PROVIDER, AUDITOR = Role.OPERATOR, Role.AGENCY, Role.PROVIDER, Role.AUDITOR

_OWN_PROCUREMENT = allow(agency=PROCUREMENT_AGENCY)
_PROCUREMENT_CANDIDATE = allow(provider=PROCUREMENT_CANDIDATE)
_OWN_CONTRACT = allow(agency=CONTRACT_AGENCY)
_CONTRACT_PROVIDER = allow(provider=CONTRACT_PROVIDER)
_OPERATOR = allow(OPERATOR)
_AUDITOR = allow(AUDITOR)

POLICY: Mapping[str, Access] = {
    # --- system, rules, public reads ------------------------------------------------------------
    "GET /health": PUBLIC,
    "GET /health/ready": PUBLIC,
    "GET /ledger/position": PUBLIC,
    "GET /rules": PUBLIC,
    "GET /rules/{rule_id:str}": PUBLIC,
    "GET /system/clock": PUBLIC,
    "POST /system/clock": _OPERATOR,
    "GET /catalogue/pages": PUBLIC,
    "GET /catalogue/pages/{page:str}/services": PUBLIC,
    "GET /catalogue/services/{service_id:uuid}": PUBLIC,
    "GET /catalogue/statistics": PUBLIC,
    "GET /disclosures": PUBLIC,
    "GET /disclosures/statistics": PUBLIC,
    "GET /ocds/releases": PUBLIC,
    "GET /ocds/records/{ocid:str}": PUBLIC,
    "GET /ocds/extension/extension.json": PUBLIC,
    "GET /ocds/extension/release-schema.json": PUBLIC,
    "GET /ocds/extension/README.md": PUBLIC,
    # --- the agency directory: public to read, the operator's to record -------------------------
    "GET /agencies": PUBLIC,
    "GET /agencies/{agency_id:str}": PUBLIC,
    "POST /agencies": _OPERATOR,
    "POST /agencies/{agency_id:str}/changes": _OPERATOR,
    # --- digital services (the operator's record; a provider reads its own) ---------------------
    # The list is narrowed to the provider's own services by the handler.
    "GET /services": allow(OPERATOR, AUDITOR, PROVIDER),
    "GET /services/{service_id:uuid}": allow(OPERATOR, AUDITOR, provider=SERVICE_PROVIDER),
    "POST /services": _OPERATOR,
    "POST /services/{service_id:uuid}/registration": _OPERATOR,
    "POST /services/{service_id:uuid}/info-changes": _OPERATOR,
    "POST /services/{service_id:uuid}/mall-listing": _OPERATOR,
    "POST /services/{service_id:uuid}/mall-delisting": _OPERATOR,
    "POST /services/{service_id:uuid}/innovation-designation": _OPERATOR,
    "POST /services/{service_id:uuid}/certifications": _OPERATOR,
    "POST /services/{service_id:uuid}/certifications/{kind:str}/{number:str}/expiry": _OPERATOR,
    "POST /services/{service_id:uuid}/certifications/{kind:str}/{number:str}/revocation":
        _OPERATOR,
    "POST /services/{service_id:uuid}/suspension": _OPERATOR,
    "POST /services/{service_id:uuid}/reinstatement": _OPERATOR,
    # Decree art. 19(2): the provider ends its own business (the domain checks that the other
    # services the body names are the same provider's); the operator may record it on its behalf.
    "POST /services/{service_id:uuid}/cessation": allow(OPERATOR, provider=SERVICE_PROVIDER),
    "POST /services/{service_id:uuid}/selection-cancellation": _OPERATOR,
    "POST /services/{service_id:uuid}/validity-expiry": _OPERATOR,
    # --- procurements ① to ⑤ ---------------------------------------------------------------------
    # The list is narrowed to the agency's own procurements by the handler.
    "GET /procurements": allow(OPERATOR, AUDITOR, AGENCY),
    "GET /procurements/{procurement_id:uuid}": allow(OPERATOR, AUDITOR,
                                                     agency=PROCUREMENT_AGENCY),
    # The procurement is opened for the token's own agency.
    "POST /procurements": allow(AGENCY),
    "POST /procurements/{procurement_id:uuid}/budget": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/budget-revisions": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/requirements": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/searches": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/searches/{search_id:str}/saving": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/method": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/quote-requests": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/proposal-requests": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/inquiries": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/communications": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/exclusions": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/evaluation": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/award": _OWN_PROCUREMENT,
    "POST /procurements/{procurement_id:uuid}/abandonment": _OWN_PROCUREMENT,
    # Which of its services the provider answers for is the domain's check (the body names it).
    "POST /procurements/{procurement_id:uuid}/quotes": _PROCUREMENT_CANDIDATE,
    "POST /procurements/{procurement_id:uuid}/quote-declines": _PROCUREMENT_CANDIDATE,
    "POST /procurements/{procurement_id:uuid}/proposals": _PROCUREMENT_CANDIDATE,
    # The inbox holds the token's own provider's requests only.
    "GET /requests": allow(PROVIDER),
    # --- contracts ⑥ to ⑨ ------------------------------------------------------------------------
    # The list is narrowed to the agency's or the provider's own contracts by the handler.
    "GET /contracts": allow(OPERATOR, AUDITOR, AGENCY, PROVIDER),
    "GET /contracts/{contract_id:uuid}": allow(OPERATOR, AUDITOR, agency=CONTRACT_AGENCY,
                                               provider=CONTRACT_PROVIDER),
    # The procurement is named in the body: that it is the agency's own is the domain's check.
    "POST /contracts": allow(AGENCY),
    "POST /contracts/{contract_id:uuid}/disclosure": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/amendments": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/disclosure-amendments": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/sla-reports": _CONTRACT_PROVIDER,
    "POST /contracts/{contract_id:uuid}/improvement-requests": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/improvement-confirmations": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/penalties": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/end-notice": _CONTRACT_PROVIDER,
    "POST /contracts/{contract_id:uuid}/rescission": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/termination": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/expiry": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/follow-up": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/renewal": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/data-return-request": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/data-returned": _CONTRACT_PROVIDER,
    "POST /contracts/{contract_id:uuid}/data-destroyed": _CONTRACT_PROVIDER,
    "POST /contracts/{contract_id:uuid}/obligations-verification": _OWN_CONTRACT,
    "POST /contracts/{contract_id:uuid}/closure": _OWN_CONTRACT,
    # --- quality (Notice art. 8, 9) ---------------------------------------------------------------
    "GET /inspections": allow(OPERATOR, AUDITOR),
    "GET /inspections/{inspection_id:uuid}": allow(OPERATOR, AUDITOR),
    "POST /inspections": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/document-requests": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/findings": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/corrective-actions": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/corrective-action-completions": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/re-reviews": _OPERATOR,
    "POST /inspections/{inspection_id:uuid}/closure": _OPERATOR,
    # A provider reports for itself and lists its own reports (the handler narrows the list).
    "POST /semiannual-reports": allow(PROVIDER),
    "GET /semiannual-reports": allow(OPERATOR, AUDITOR, PROVIDER),
    # --- history, audit, evidence -----------------------------------------------------------------
    "GET /history/{aggregate_id:uuid}/events": allow(AUDITOR, agency=AGGREGATE_AGENCY),
    "GET /history/{aggregate_id:uuid}/state": allow(AUDITOR, agency=AGGREGATE_AGENCY),
    "GET /history/{aggregate_id:uuid}/diff": allow(AUDITOR, agency=AGGREGATE_AGENCY),
    "GET /audit/public-key": PUBLIC,
    "GET /audit/tree-heads": PUBLIC,
    "GET /audit/tree-heads/latest": PUBLIC,
    "GET /audit/proofs/consistency": PUBLIC,
    # Checkpoints and tiles are hashes and signatures: for anyone, witnesses and mirrors included.
    "GET /audit/checkpoint": PUBLIC,
    "GET /audit/checkpoints/{tree_size:int}": PUBLIC,
    "GET /audit/checkpoint/verifier-key": PUBLIC,
    "GET /audit/tlog/checkpoint": PUBLIC,
    "GET /audit/tlog/tile/{tile_path:path}": PUBLIC,
    # Signing what is recorded records nothing in the ledger.
    "POST /audit/tree-heads": allow(OPERATOR, AUDITOR),
    "GET /audit/verification": _AUDITOR,
    "GET /audit/proofs/inclusion": _AUDITOR,
    "GET /procurements/{procurement_id:uuid}/evidence": allow(AUDITOR, agency=PROCUREMENT_AGENCY),
    "GET /procurements/{procurement_id:uuid}/evidence.pdf": allow(AUDITOR,
                                                                  agency=PROCUREMENT_AGENCY),
    "GET /contracts/{contract_id:uuid}/history-bundle": allow(AUDITOR, agency=CONTRACT_AGENCY),
}

NOT_API = ("/web", "/schema")
"""Paths outside the table: the server-rendered pages read their own session cookie and check
their reader themselves (tests/web), and the OpenAPI documents are for anyone. ``/`` only sends
a browser to ``/web``."""


def route_key(method: str, path: str) -> str:
    return f"{method} {path}"


def is_api_path(path: str) -> bool:
    return path != "/" and not any(path == p or path.startswith(f"{p}/") for p in NOT_API)


def api_routes(app: Litestar) -> dict[str, BaseRouteHandler]:
    """Every API route the application serves, by key, with its handler (the automatic OPTIONS
    and HEAD answers aside)."""
    found: dict[str, BaseRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not is_api_path(route.path):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method not in {"OPTIONS", "HEAD"}:
                found[route_key(method, route.path)] = handler
    return found


class PolicyIncomplete(RuntimeError):
    """A route without an entry in the table, or an entry for no route."""


def bind_policy(app: Litestar) -> None:
    """Check the table against the routes and give each handler its entry. A route with no entry
    stops the application from starting: an unlisted route would otherwise be open or shut by
    accident. The automatic OPTIONS answers, the pages and the documents pass the guard."""
    routes = api_routes(app)
    missing = sorted(routes.keys() - POLICY.keys())
    stale = sorted(POLICY.keys() - routes.keys())
    if missing or stale:
        raise PolicyIncomplete(f"routes without an authorisation entry: {missing}; "
                               f"entries without a route: {stale}")
    for key, handler in routes.items():
        access = POLICY[key]
        handler.opt[ACCESS_OPT] = access
        if access.public:
            handler.opt[AUTH_EXCLUDED_OPT] = True
        elif handler.opt.get(AUTH_EXCLUDED_OPT):
            raise PolicyIncomplete(f"{key} is public in its decorator but not in the table")
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method in {"OPTIONS", "HEAD"} or not is_api_path(route.path):
                handler.opt.setdefault(ACCESS_OPT, PUBLIC)


def owner_holds(conn: Connection, owner: Owner, resource_id: str, principal: Principal,
                ) -> bool | None:
    """Whether the principal is an owner of the resource; None when it is absent."""
    owners = owner.owners(conn, resource_id)
    if owners is None:
        return None
    key = owner.principal_key(principal)
    return key is not None and key in owners


_ROLE_KO = {Role.AGENCY: "수요기관", Role.PROVIDER: "제공자"}
OWNER_WAIT = 5.0
"""Seconds an ownership check waits for the views to reach the log before answering absent."""


def check_owner(connection: ASGIConnection[Any, Any, Any, Any], owner: Owner,
                principal: Principal) -> None:
    resource_id = str(connection.path_params[owner.parameter])
    runtime = runtime_of(connection.app.state)
    with runtime.db.connect() as conn:
        holds = owner_holds(conn, owner, resource_id, principal)
    if holds is None:
        # Not in the views: absent, or recorded a moment ago (by another process, or while the
        # views were behind). Ownership comes from the log, so let the views reach the log's head
        # (briefly) before answering "absent"; a refusal then never depends on projection lag.
        projector = runtime.projector
        projector.poke()
        if projector.wait_for(projector.head(), OWNER_WAIT):
            with runtime.db.connect() as conn:
                holds = owner_holds(conn, owner, resource_id, principal)
    if holds:
        return
    if holds is None or not owner.existence_public:
        # Absent, or not the caller's where its very existence is private: the same answer.
        refuse(owner.not_found, owner.parameter, **{owner.parameter: resource_id})
    kind, kind_ko = owner.kind
    refuse(rules.AUTH_NOT_OWNER, kind=kind, kind_ko=kind_ko, owner_kind=principal.role.value,
           owner_kind_ko=_ROLE_KO.get(principal.role, principal.role.value))


async def authorize(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
    """The one guard: the route's entry decides. A coroutine function, as a plain function guard
    would be sent to the thread pool for every request; the ownership lookup, which reads the
    database, is sent there only when an entry asks for one."""
    access = handler.opt.get(ACCESS_OPT)
    if access is None:  # only a route added after bind_policy ran: refused, never open
        refuse(rules.AUTH_ROLE_FORBIDDEN, role="any", allowed="none (no authorisation entry)")
    assert isinstance(access, Access)
    if access.public:
        return
    principal = connection.user
    assert isinstance(principal, Principal)
    if principal.role not in access.grants:
        require_role(principal, *access.roles)
    owner = access.grants[principal.role]
    if owner is not None:
        await to_thread.run_sync(check_owner, connection, owner, principal)

