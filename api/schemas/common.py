"""Constrained scalar types and the answer every command gives."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
                           description="An identifier or document number (letters, digits, . _ : / -)")]
Reference = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$",
                                description="A document number as the agency writes it, Korean allowed")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Line = Annotated[str, Meta(min_length=1, max_length=300)]
Reason = Annotated[str, Meta(min_length=1, max_length=2000)]
LongText = Annotated[str, Meta(min_length=1, max_length=4000)]


class CommandResponse(msgspec.Struct, frozen=True):
    """Where the command's events landed. Send ``position`` back as ``X-Min-Position`` to read
    your own write from any view; send ``version`` as ``If-Match`` to change it again safely."""

    aggregate_id: UUID
    version: int
    position: int


class ProblemError(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong with a request: the field (a JSON path, or a parameter's name) and the
    rule it breaks, in English and Korean."""

    field: str | None
    rule: str
    message: str
    message_ko: str
    source: str | None = None


class ProblemDetails(msgspec.Struct, frozen=True, kw_only=True):
    """An RFC 9457 problem (``application/problem+json``), as api.problems writes every refusal:
    ``type`` is ``/rules/{rule}`` (look it up at ``GET /rules/{rule_id}``); ``detail_ko`` is the
    Korean message; ``legal_basis`` the provision the rule applies. Only ``status`` and
    ``title`` are always there: an answer the ledger's rules did not write (a wrong method,
    a server error) carries no rule."""

    status: int
    title: str
    type: str | None = None
    detail: str | None = None
    rule: str | None = None
    field: str | None = None
    detail_ko: str | None = None
    legal_basis: str | None = None
    errors: list[ProblemError] | None = None
