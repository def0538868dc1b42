"""Bearer tokens (JWT, HS256) and the principal they carry.

A token names one role and, for an agency or a provider, the one organisation it acts for. Which
role may call which route, and on whose resources, is api.authorization's table.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from domain import rules
from domain.actor import Actor, Role
from domain.rules import RuleViolation, refuse

API_ROLES = (Role.OPERATOR, Role.AGENCY, Role.PROVIDER, Role.AUDITOR)
PUBLIC = {"exclude_from_auth": True}


class Principal(msgspec.Struct, frozen=True):
    principal_id: str
    role: Role
    agency_id: str | None = None
    provider_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(principal_id=self.principal_id, role=self.role, agency_id=self.agency_id,
                     provider_id=self.provider_id)


def principal_problem(principal: Principal) -> str | None:
    """Why a principal cannot hold a token, or None."""
    if principal.role not in API_ROLES:
        return f"role must be one of {', '.join(r.value for r in API_ROLES)}"
    if principal.role is Role.AGENCY and not principal.agency_id:
        return "an agency token must name its agency_id"
    if principal.role is Role.PROVIDER and not principal.provider_id:
        return "a provider token must name its provider_id"
    if principal.role is not Role.AGENCY and principal.agency_id:
        return "only an agency token names an agency_id"
    if principal.role is not Role.PROVIDER and principal.provider_id:
        return "only a provider token names a provider_id"
    return None


def issue_token(secret: str, principal: Principal, ttl: timedelta = timedelta(hours=12)) -> str:
    problem = principal_problem(principal)
    if problem is not None:
        raise ValueError(problem)
    token = Token(
        sub=principal.principal_id,
        exp=datetime.now(UTC) + ttl,
        extras={"role": principal.role.value, "agency_id": principal.agency_id,
                "provider_id": principal.provider_id},
    )
    return token.encode(secret, "HS256")


# What a token's claims may hold. A token signed with the real secret is still only as good as its
# claims: a list or an object as agency_id would reach ownership checks, events and view columns.
ORGANISATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
"""agency_id, provider_id: the same alphabet as the API's identifiers, at most 64 characters."""
PRINCIPAL_ID = re.compile(r"[^\x00-\x1f\x7f-\x9f]{1,200}")
"""sub: any text without control characters, at most 200 characters."""


def _claim(value: object, form: re.Pattern[str], *, optional: bool) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and form.fullmatch(value) is not None


async def retrieve_principal(token: Token, _connection: ASGIConnection[Any, Any, Any, Any],
                             ) -> Principal | None:
    claims = token.extras
    role, agency_id, provider_id = (claims.get("role"), claims.get("agency_id"),
                                    claims.get("provider_id"))
    if not (_claim(token.sub, PRINCIPAL_ID, optional=False) and isinstance(role, str)
            and _claim(agency_id, ORGANISATION_ID, optional=True)
            and _claim(provider_id, ORGANISATION_ID, optional=True)):
        return None
    try:
        principal = Principal(principal_id=token.sub, role=Role(role), agency_id=agency_id,
                              provider_id=provider_id)
    except (ValueError, TypeError, RuleViolation):
        return None
    return None if principal_problem(principal) else principal


VERIFIED_TOKENS = 4096
"""Distinct tokens whose verification a process remembers (a few hundred bytes each)."""


class VerifiedTokenMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware, remembering the tokens it has verified. A client sends the same
    token with every request, and checking its HMAC, parsing its JSON and building its principal
    cost more than the rest of a cheap read. What the check found depends only on the token's
    text and the (fixed) secret, except for time: a remembered token is checked against its
    ``exp`` on every use, and one the clock could still turn from valid to invalid some other
    way (an ``nbf`` claim, an ``iat`` in the future) is never remembered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verified: dict[str, tuple[Token, Principal]] = {}

    async def authenticate_token(self, encoded_token: str,
                                 connection: ASGIConnection[Any, Any, Any, Any],
                                 ) -> AuthenticationResult:
        known = self._verified.get(encoded_token)
        now = datetime.now(UTC)
        if known is not None:
            token, principal = known
            if token.exp > now:
                return AuthenticationResult(user=principal, auth=token)
            del self._verified[encoded_token]
        result = await super().authenticate_token(encoded_token, connection)
        token = result.auth
        if (isinstance(result.user, Principal) and isinstance(token, Token)
                and self.revoked_token_handler is None
                and "nbf" not in token.extras and token.iat <= now):
            if len(self._verified) >= VERIFIED_TOKENS:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[encoded_token] = (token, result.user)
        return result


def jwt_auth(secret: str) -> JWTAuth[Principal, Token]:
    return JWTAuth[Principal, Token](
        token_secret=secret,
        retrieve_user_handler=retrieve_principal,
        exclude=["/schema"],
        exclude_opt_key="exclude_from_auth",
        authentication_middleware_class=VerifiedTokenMiddleware,
    )


def require_role(principal: Principal, *roles: Role) -> None:
    """Refuse a principal whose role is not one of ``roles`` (the guard of
    api.authorization, and the pages, which have none)."""
    if principal.role not in roles:
        refuse(rules.AUTH_ROLE_FORBIDDEN, role=principal.role.value,
               allowed=", ".join(role.value for role in roles))
