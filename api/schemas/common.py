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
