"""Request and response bodies of the agency directory routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from api.schemas.common import Name
from domain.agency import AgencyKind, Region

AgencyId = Annotated[str, Meta(
    min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    description="The id agency tokens carry (e.g. AG-SEOUL): letters, digits, . _ -")]
AgencyCodeText = Annotated[str, Meta(
    min_length=1, max_length=64,
    description="행정표준기관코드: 7 ASCII digits (a public institution's: one upper-case letter and "
                "6 digits); the domain checks the form (agency.code-format)")]


class RegisterAgencyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    agency_id: AgencyId
    code: AgencyCodeText
    name_ko: Name
    name_en: Name
    kind: AgencyKind
    region: Region


class ChangeAgencyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The directory entry as it should read after the change (the id and the code stay)."""

    name_ko: Name
    name_en: Name
    kind: AgencyKind
    region: Region


class AgencyEntry(msgspec.Struct, frozen=True):
    agency_id: str
    code: str
    name_ko: str
    name_en: str
    kind: str
    kind_ko: str
    region: str
    region_ko: str
    registered_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AgencyEntry:
        return cls(agency_id=row["agency_id"], code=row["code"], name_ko=row["name_ko"],
                   name_en=row["name_en"], kind=row["kind"], kind_ko=AgencyKind(row["kind"]).ko,
                   region=row["region"], region_ko=Region(row["region"]).ko,
                   registered_at=row["registered_at"], updated_at=row["updated_at"],
                   version=row["version"])


class AgencyList(msgspec.Struct, frozen=True):
    """One page in agency id order; ``next`` is the link to the following page (null on the
    last), its ``after`` an opaque cursor."""

    items: list[AgencyEntry]
    next: str | None
