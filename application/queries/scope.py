"""Whose rows a list shows: who may call a route is ``api.authorization``'s decision; which rows
of a list the caller then sees is the query's, from this scope."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actor import Role


@dataclass(frozen=True)
class Scope:
    """An agency sees its own rows, a provider the rows it provides; ``everything`` (operators,
    auditors) sees all."""

    agency_id: str | None = None
    provider_id: str | None = None

    @property
    def everything(self) -> bool:
        return self.agency_id is None and self.provider_id is None

    @classmethod
    def of(cls, role: Role, agency_id: str | None, provider_id: str | None) -> Scope:
        if role is Role.AGENCY:
            return cls(agency_id=agency_id or "")  # an agency without an id sees nothing
        if role is Role.PROVIDER:
            return cls(provider_id=provider_id or "")
        return cls()
